"""HTTP plumbing shared by every module: sessions, authorisation, CSRF, errors, rendering."""
