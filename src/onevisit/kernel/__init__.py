"""The kernel: what every module stands on (database, errors, events, audit, auth, i18n)."""
