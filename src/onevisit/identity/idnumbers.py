"""Resident identity card numbers (GB 11643-1999).

Eighteen characters: a 6-digit GB/T 2260 region code, an 8-digit birth date, a 3-digit
sequence (odd for men, even for women) and a check character computed from the first 17
digits with weights 2^(17-i) mod 11, mapped through ``10X98765432``.
Each kind of mistake gets its own error, so a person can see what to fix.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from onevisit.identity.errors import IdentityError
from onevisit.identity.regions import is_known_region
from onevisit.kernel.errors import InvalidInput
from onevisit.kernel.i18n import N_

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
#: Early enough for the standard's own example (440524188001010014, born 1880-01-01).
EARLIEST_BIRTH = dt.date(1850, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: dt.date
    sequence: int

    @property
    def gender(self) -> str:
        """ "M" or "F", from the parity of the sequence number."""
        return "M" if self.sequence % 2 else "F"


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    """Full-width digits and letters (as Chinese input methods type them) become ASCII."""
    return unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()


def parse_id_number(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Parses and checks an ID number; raises :class:`AppError` naming what is wrong."""
    value = normalise(raw)
    if len(value) != 18 or not (value[:17].isascii() and value[:17].isdigit()) or value[17] not in "0123456789X":
        raise InvalidInput(
            IdentityError.ID_NUMBER_FORMAT,
            N_("An ID number has 18 characters: 17 digits followed by a digit or X."),
        )
    region = value[:6]
    if not is_known_region(region):
        raise InvalidInput(
            IdentityError.ID_NUMBER_REGION,
            N_("The first 6 digits (%(region)s) are not a known region code."),
            params={"region": region},
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    limit = today or dt.datetime.now(dt.UTC).date()
    if birth is None or birth < EARLIEST_BIRTH or birth > limit:
        raise InvalidInput(
            IdentityError.ID_NUMBER_BIRTH_DATE,
            N_("Digits 7 to 14 (%(date)s) are not a real date of birth."),
            params={"date": value[6:14]},
        )
    if check_character(value[:17]) != value[17]:
        raise InvalidInput(
            IdentityError.ID_NUMBER_CHECKSUM,
            N_("The last character does not match the others; please check the number for a typing mistake."),
        )
    return ResidentId(value, region, birth, int(value[14:17]))


def make_id_number(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Builds a valid number (used by the demo generator and by tests)."""
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
