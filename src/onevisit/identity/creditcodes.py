"""Unified social credit codes (GB 32100-2015).

Eighteen characters over a 31-character alphabet (no I, O, S, V or Z): registration
authority (1), entity type (1), region code (6), organisation code (9), check character (1).
The check character is ``31 - (sum(value_i * 3^i mod 31) mod 31)``, with 31 mapped to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from onevisit.identity.errors import IdentityError
from onevisit.kernel.errors import InvalidInput
from onevisit.kernel.i18n import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


@dataclass(frozen=True, slots=True)
class CreditCode:
    code: str

    @property
    def authority(self) -> str:
        return self.code[0]

    @property
    def entity_type(self) -> str:
        return self.code[1]

    @property
    def region_code(self) -> str:
        return self.code[2:8]


def check_character(first17: str) -> str:
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(raw: str) -> CreditCode:
    value = raw.strip().replace(" ", "").upper()
    if len(value) != 18 or any(c not in VALUES for c in value) or not value[2:8].isdigit():
        raise InvalidInput(
            IdentityError.CREDIT_CODE_FORMAT,
            N_(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z, with a 6-digit region code in positions 3 to 8."
            ),
        )
    if check_character(value[:17]) != value[17]:
        raise InvalidInput(
            IdentityError.CREDIT_CODE_CHECKSUM,
            N_("The last character does not match the others; please check the code for a typing mistake."),
        )
    return CreditCode(value)


def make_credit_code(authority: str, entity_type: str, region_code: str, organisation: str) -> str:
    first17 = f"{authority}{entity_type}{region_code}{organisation}"
    if len(first17) != 17:
        raise ValueError("authority(1) + type(1) + region(6) + organisation(9) must be 17 chars")
    return first17 + check_character(first17)
