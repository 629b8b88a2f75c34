"""Credential actions: ``issuance`` (sign and register), ``status`` (suspend, reinstate,
revoke; the status list), ``wallet`` (holders' certificates and presentations), ``shares``
(time-limited verification links), ``verification`` (online checks: register, status,
ledger) and ``materials`` (certificates in force as application materials; the datahub copy)."""
