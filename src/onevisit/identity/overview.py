"""What "My OneVisit" shows a person, read in one plain SQL statement.

The page is the most visited one after the home page, so it reads through
``kernel.hotsql`` (the DB-API cursor) rather than the ORM; values are decrypted and masked
here, so nothing unmasked leaves this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onevisit.identity.services.people import ID_KIND, PHONE_KIND
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.db import Database
from onevisit.kernel.hotsql import HotQuery, as_date, as_datetime, hot_reader
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


# One statement, one round trip: a row per kind of fact, told apart by the first column.
# Columns: kind, s1, s2, s3, s4, b1, b2, d1, at, n
_OVERVIEW = HotQuery(
    """
    SELECT 'profile' AS kind, p.name AS s1, p.gender AS s2,
           COALESCE(c.name_zh, '') || r.name_zh AS s3, COALESCE(c.name_en || ', ', '') || r.name_en AS s4,
           p.id_number_enc AS b1, p.phone_enc AS b2, p.birth_date AS d1,
           CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at, CAST(NULL AS BIGINT) AS n
      FROM persons p JOIN regions r ON r.code = p.region_code
      LEFT JOIN regions c ON c.code = r.parent_code AND c.level = 2
     WHERE p.id = :person
    UNION ALL
    SELECT 'relative', rel.kind, p.name, NULL, NULL, p.id_number_enc, NULL, p.birth_date, NULL, NULL
      FROM person_relations rel JOIN persons p ON p.id = rel.relative_id
     WHERE rel.person_id = :person
    UNION ALL
    SELECT 'enterprise', credit_code, name, 'representative', NULL, NULL, NULL, NULL, NULL, NULL
      FROM enterprises WHERE legal_rep_id = :person
    UNION ALL
    SELECT 'enterprise', e.credit_code, e.name, 'agent', NULL, NULL, NULL, NULL, NULL, NULL
      FROM enterprises e JOIN enterprise_agents a ON a.enterprise_id = e.id
     WHERE a.person_id = :person AND a.revoked_at IS NULL
    UNION ALL
    SELECT 'activity', action, NULL, NULL, NULL, NULL, NULL, NULL, at, id
      FROM (SELECT id, at, action FROM audit_events WHERE actor_account_id = :account
            UNION
            SELECT id, at, action FROM audit_events WHERE object_type = 'account' AND object_id = :account_key
            ORDER BY id DESC LIMIT 10) AS recent
    """
)


def overview(db: Database, vault: PersonalDataVault, *, person_id: int, account_id: int) -> Overview | None:
    with hot_reader(db) as reader:
        rows = reader.all(_OVERVIEW, {"person": person_id, "account": account_id, "account_key": str(account_id)})
    profile_row = next((r for r in rows if r[0] == "profile"), None)
    if profile_row is None:
        return None
    _, name, gender, region_zh, region_en, id_enc, phone_enc, birth, _, _ = profile_row
    phone = vault.open(bytes(phone_enc), kind=PHONE_KIND) if phone_enc else None
    profile = Profile(
        name=name,
        id_number_masked=mask_id_number(vault.open(bytes(id_enc), kind=ID_KIND)),
        gender=gender,
        birth_date=as_date(birth),
        phone_masked=mask_phone(phone) if phone else None,
        region_zh=region_zh,
        region_en=region_en,
    )
    relative_rows = sorted((r for r in rows if r[0] == "relative"), key=lambda r: (r[1], as_date(r[7])))
    relatives = [Relative(r[1], r[2], mask_id_number(vault.open(bytes(r[5]), kind=ID_KIND))) for r in relative_rows]
    enterprises = sorted((EnterpriseLink(r[1], r[2], r[3]) for r in rows if r[0] == "enterprise"), key=lambda e: e.name)
    activity_rows = sorted((r for r in rows if r[0] == "activity"), key=lambda r: -int(r[9]))
    activity = [Activity(as_datetime(r[8]), r[1]) for r in activity_rows]
    return Overview(profile, relatives, enterprises, activity)
