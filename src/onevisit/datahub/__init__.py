"""Datahub: the public data platform. Departments register sources and catalogue items;
lookups name a subject, items and a purpose; every access is logged and anchored on the
ledger; citizens see who used their data. See ``docs/datahub.md``.

The public face other modules use::

    from onevisit import datahub

    dossier = datahub.read(platform, actor, subject=id_number,
                           purpose=datahub.Purpose(use="nr.second_hand_transfer", kind="application",
                                                   reference="A-2026-0001", legal_basis="..."))
"""

from onevisit.datahub.services.access import Dossier, Record, read
from onevisit.datahub.services.accesslog import PendingLog, Purpose, log_deferred
from onevisit.datahub.services.extracts import Column, enterprise_frame

__all__ = ["Column", "Dossier", "PendingLog", "Purpose", "Record", "enterprise_frame", "log_deferred", "read"]
