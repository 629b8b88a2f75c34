"""Establishing an enterprise: a new market entity registered by market regulation, with a
unified social credit code of its own and its founder as legal representative.

The code is made from a number unique to the registration (an application's id): its
organisation part is ``M`` + a letter + seven characters spread over the alphabet from
that number, so asking twice for the same registration gives the same code, and the
credit code's uniqueness stops two concurrent registrations from both going in. Should a
code be taken already by an enterprise registered some other way, the next letter is
tried (``MA…``, ``MB…``, …). The enterprise a registration made is recognised by its code,
its name and its legal representative, and returned again rather than registered twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.identity.creditcodes import ALPHABET, make_credit_code
from onevisit.identity.errors import IdentityError
from onevisit.identity.models import Enterprise, Person, Region
from onevisit.identity.services.people import register_enterprise
from onevisit.kernel.errors import Conflict, InvalidInput
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

#: market regulation registers enterprises (GB 32100 registration authority 9)
AUTHORITY = "9"
#: the kinds of enterprise one can establish, and each one's entity type in the code
ENTITY_TYPES: dict[str, str] = {
    "limited_company": "1",
    "joint_stock_company": "1",
    "individual_business": "2",
    "farmers_cooperative": "3",
}
#: GB/T 4754 sections (an enterprise's industry is one of these letters, or none yet)
INDUSTRY_SECTIONS = "ABCDEFGHIJKLMNOPQRST"
NAME_MAX = 128
ADDRESS_MAX = 200
#: how many codes are tried before giving up (``MA…`` to ``MY…``)
_ATTEMPTS = len(ALPHABET) - ALPHABET.index("A")
_SPACE = len(ALPHABET) ** 7
#: spreads consecutive numbers over the code space (a bijection: coprime with 31)
_SPREAD = 1_000_003

NAME_TAKEN = N_("An enterprise named %(name)s is already registered: choose another name.")


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, len(ALPHABET))
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def credit_code_candidates(serial: int, kind: str, region_code: str) -> list[str]:
    """The codes a registration numbered ``serial`` may take, in the order they are tried."""
    if not 0 < serial < _SPACE:
        raise ValueError(f"serial must be between 1 and {_SPACE - 1}")
    body = _base31(serial * _SPREAD % _SPACE, 7)
    start = ALPHABET.index("A")
    return [
        make_credit_code(AUTHORITY, ENTITY_TYPES[kind], region_code, f"M{ALPHABET[start + k]}{body}")
        for k in range(_ATTEMPTS)
    ]


def registered_name(session: Session, name: str) -> Enterprise | None:
    """The enterprise registered under ``name`` (names are unique), if any."""
    return session.scalar(select(Enterprise).where(Enterprise.name == name.strip()).limit(1))


def _invalid(code: IdentityError, message: str, **params: object) -> InvalidInput:
    return InvalidInput(code, message, params=params)


def _checked(
    session: Session, *, name: str, kind: str, region_code: str, industry: str, capital_fen: int, address: str
) -> tuple[str, str]:
    clean = name.strip()
    if not clean or len(clean) > NAME_MAX:
        raise _invalid(
            IdentityError.ENTERPRISE_DETAILS,
            N_("An enterprise's name has 1 to %(max)s characters."),
            max=NAME_MAX,
        )
    if kind not in ENTITY_TYPES:
        raise _invalid(
            IdentityError.ENTERPRISE_DETAILS,
            N_("There is no kind of enterprise “%(kind)s”; choose from: %(choices)s."),
            kind=kind,
            choices=", ".join(ENTITY_TYPES),
        )
    region = session.get(Region, region_code) if len(region_code) == 6 and region_code.isdigit() else None
    if region is None:
        raise _invalid(IdentityError.ID_NUMBER_REGION, N_("Unknown region code %(region)s."), region=region_code)
    if industry and (len(industry) != 1 or industry not in INDUSTRY_SECTIONS):
        raise _invalid(
            IdentityError.ENTERPRISE_DETAILS,
            N_("An industry is one GB/T 4754 section letter, A to T (not “%(industry)s”)."),
            industry=industry,
        )
    if capital_fen < 0:
        raise _invalid(IdentityError.ENTERPRISE_DETAILS, N_("The registered capital cannot be negative."))
    return clean, address.strip()[:ADDRESS_MAX]


def establish_enterprise(
    uow: UnitOfWork,
    *,
    serial: int,
    reference: str,
    name: str,
    kind: str,
    legal_rep: Person,
    region_code: str,
    industry: str = "",
    registered_capital_fen: int = 0,
    address: str = "",
    established_on: dt.date,
) -> tuple[Enterprise, bool]:
    """Registers a new enterprise founded by ``legal_rep``, with a fresh credit code; returns
    it and whether it is new. ``serial`` is a number unique to this registration (the
    application's id) and ``reference`` names it in the audit record (its number): the
    same registration asked for again returns the enterprise it made. Raises ``Conflict``
    when another enterprise has the name, ``InvalidInput`` for details that cannot be
    registered (an unknown kind or region, an industry that is not a section letter)."""
    session = uow.session
    clean, address = _checked(
        session,
        name=name,
        kind=kind,
        region_code=region_code,
        industry=industry,
        capital_fen=registered_capital_fen,
        address=address,
    )
    candidates = credit_code_candidates(serial, kind, region_code)
    taken = {
        e.credit_code: e for e in session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(candidates)))
    }
    for enterprise in taken.values():
        if enterprise.name == clean and enterprise.legal_rep_id == legal_rep.id:
            return enterprise, False  # this registration made it already
    if registered_name(session, clean) is not None:
        raise Conflict(IdentityError.ENTERPRISE_NAME_TAKEN, NAME_TAKEN, params={"name": clean})
    code = next((c for c in candidates if c not in taken), None)
    if code is None:  # pragma: no cover - 21 codes made from a unique number, all taken
        raise Conflict(
            IdentityError.ENTERPRISE_EXISTS, N_("An enterprise with this credit code is already registered.")
        )
    enterprise = register_enterprise(
        uow,
        credit_code=code,
        name=clean,
        kind=kind,
        legal_rep=legal_rep,
        region_code=region_code,
        industry=industry,
        registered_capital_fen=registered_capital_fen,
        established_on=established_on,
        employees=0,
        address=address,
        reference=reference,
    )
    return enterprise, True
