"""Datahub actions: ``catalogue`` (sources, items, uses, approvals), ``consents``,
``access`` (lookups and dossiers with their access log), ``records`` (loading validated
rows), ``connectors``, ``anchoring`` (the ledger) and ``quality`` (conflicts, staleness)."""
