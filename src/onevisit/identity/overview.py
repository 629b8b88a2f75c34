"""What "My OneVisit" shows a person, read in four plain SQL round trips.

The page is the most visited one after the home page, so it does not go through the ORM:
each query is a prepared ``text()`` statement, and values are decrypted and masked here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from onevisit.identity.services.people import ID_KIND, PHONE_KIND
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.db import UTCDateTime
from onevisit.kernel.masking import mask_id_number, mask_phone


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    id_number_masked: str
    gender: str
    birth_date: dt.date
    phone_masked: str | None
    region_zh: str
    region_en: str


@dataclass(frozen=True, slots=True)
class Relative:
    kind: str
    name: str
    id_number_masked: str


@dataclass(frozen=True, slots=True)
class EnterpriseLink:
    credit_code: str
    name: str
    relation: str  # "representative" or "agent"


@dataclass(frozen=True, slots=True)
class Activity:
    at: dt.datetime
    action: str


@dataclass(frozen=True, slots=True)
class Overview:
    profile: Profile
    relatives: list[Relative]
    enterprises: list[EnterpriseLink]
    activity: list[Activity]


_PROFILE = text(
    """
    SELECT p.name, p.id_number_enc, p.gender, p.birth_date, p.phone_enc,
           COALESCE(c.name_zh, '') || r.name_zh, COALESCE(c.name_en || ', ', '') || r.name_en
      FROM persons p JOIN regions r ON r.code = p.region_code
      LEFT JOIN regions c ON c.code = r.parent_code AND c.level = 2
     WHERE p.id = :person
    """
)
_RELATIVES = text(
    """
    SELECT rel.kind, p.name, p.id_number_enc
      FROM person_relations rel JOIN persons p ON p.id = rel.relative_id
     WHERE rel.person_id = :person
     ORDER BY rel.kind, p.birth_date
    """
)
_ENTERPRISES = text(
    """
    SELECT credit_code, name, 'representative' AS relation FROM enterprises WHERE legal_rep_id = :person
    UNION ALL
    SELECT e.credit_code, e.name, 'agent' FROM enterprises e
      JOIN enterprise_agents a ON a.enterprise_id = e.id
     WHERE a.person_id = :person AND a.revoked_at IS NULL
     ORDER BY 2
    """
)
_ACTIVITY = text(
    """
    SELECT id, at, action FROM audit_events WHERE actor_account_id = :account
    UNION
    SELECT id, at, action FROM audit_events WHERE object_type = 'account' AND object_id = :account_key
    ORDER BY id DESC LIMIT 10
    """
).columns(at=UTCDateTime())


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def overview(conn: Connection, vault: PersonalDataVault, *, person_id: int, account_id: int) -> Overview | None:
    row = conn.execute(_PROFILE, {"person": person_id}).first()
    if row is None:
        return None
    name, id_enc, gender, birth, phone_enc, region_zh, region_en = row
    phone = vault.open(phone_enc, kind=PHONE_KIND) if phone_enc else None
    profile = Profile(
        name=name,
        id_number_masked=mask_id_number(vault.open(id_enc, kind=ID_KIND)),
        gender=gender,
        birth_date=_date(birth),
        phone_masked=mask_phone(phone) if phone else None,
        region_zh=region_zh,
        region_en=region_en,
    )
    relatives = [
        Relative(kind, rname, mask_id_number(vault.open(enc, kind=ID_KIND)))
        for kind, rname, enc in conn.execute(_RELATIVES, {"person": person_id})
    ]
    enterprises = [EnterpriseLink(*r) for r in conn.execute(_ENTERPRISES, {"person": person_id})]
    activity = [
        Activity(at, action)
        for _id, at, action in conn.execute(_ACTIVITY, {"account": account_id, "account_key": str(account_id)})
    ]
    return Overview(profile, relatives, enterprises, activity)
