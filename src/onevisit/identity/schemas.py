"""Identity input and output shapes (forms and JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import parse_id_number


def _id_number(value: str) -> str:
    return parse_id_number(value).number


def _credit_code(value: str) -> str:
    return parse_credit_code(value).code


IdNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), AfterValidator(_id_number)
]
CreditCodeStr = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), AfterValidator(_credit_code)
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=6, pattern=r"^\d{6}$")]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class PasswordLogin(Strict):
    id_number: IdNumber
    password: Password


class CodeRequest(Strict):
    id_number: IdNumber


class CodeLogin(Strict):
    id_number: IdNumber
    code: OtpCode


class AgentForm(Strict):
    id_number: IdNumber
    name: PersonName


class LoginOut(BaseModel):
    account_id: int
    csrf_token: str = Field(description="send as X-CSRF-Token on unsafe requests made with this session cookie")


class PersonOut(BaseModel):
    name: str
    id_number_masked: str
    gender: str
    birth_date: dt.date
    region_code: str
    phone_masked: str | None


class EnterpriseOut(BaseModel):
    credit_code: str
    name: str
    relation: str
    region_code: str
    industry: str
    employees: int


class MeOut(BaseModel):
    person: PersonOut
    roles: list[str]
    enterprises: list[EnterpriseOut]
    department: str | None
    acting_for: str | None


class RegionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: int
    parent_code: str | None
    current: bool


class IdNumberCheck(Strict):
    value: Annotated[str, StringConstraints(max_length=64)]


class IdNumberCheckOut(BaseModel):
    valid: bool
    region_code: str
    birth_date: dt.date
    gender: str


class CreditCodeCheckOut(BaseModel):
    valid: bool
    region_code: str
