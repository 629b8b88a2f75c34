"""Ledger actions: the only code that changes ledger state.

``logs`` appends entries (in batches, serialised per log), ``proofs`` reads O(log n)
stored hashes to prove inclusion and consistency, ``heads`` signs tree heads, and
``witnesses`` registers witnesses, records their co-signatures and their alerts.
"""
