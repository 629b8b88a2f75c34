"""Credentials: electronic certificates (e-licences) signed by the issuing departments,
registered on the ledger, kept in holders' wallets, verifiable from a QR code or a share
link, and reused as application materials. See ``docs/credentials.md``.

The public face other modules use::

    from onevisit import credentials

    cert = credentials.issue(uow, "marriage_certificate", credentials.Holder.person(person.id),
                             {"certificate_no": "J330106-2026-0000001", "spouse_name": "李华",
                              "registered_on": "2026-05-20"},
                             source="applications", reference="A-2026-0001")
    in_force = credentials.valid_certificates(session, credentials.Holder.person(person.id),
                                              "marriage_certificate")
"""

from onevisit.credentials.catalogue import TYPES, CertificateType
from onevisit.credentials.events import CredentialIssued, CredentialStatusChanged
from onevisit.credentials.services.batches import draft_many, issue_many, register_many
from onevisit.credentials.services.issuance import Holder, IssueRequest, issue, resolve_holder
from onevisit.credentials.services.materials import valid_certificates
from onevisit.credentials.services.status import change_status

__all__ = [
    "TYPES",
    "CertificateType",
    "CredentialIssued",
    "CredentialStatusChanged",
    "Holder",
    "IssueRequest",
    "change_status",
    "draft_many",
    "issue",
    "issue_many",
    "register_many",
    "resolve_holder",
    "valid_certificates",
]
