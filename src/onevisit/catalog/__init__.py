"""Service catalogue: what the platform offers, searchable by citizens and enterprises."""
