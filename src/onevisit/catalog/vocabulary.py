"""The words definitions choose from: life events and topics (for browsing), field types,
and what the platform knows about every applicant (the built-in facts rules may use).

Life events and topics are fixed lists with labels in both languages, so browsing pages
read well and a typo in a definition (``life_events: [brith]``) is an error at load, not an
empty page. Adding one is a code change reviewed like any other; adding a *service* is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from onevisit.kernel.i18n import N_
from onevisit.rules import FieldType

PERSON = "person"
ENTERPRISE = "enterprise"
AUDIENCES: Mapping[str, str] = {PERSON: N_("People"), ENTERPRISE: N_("Enterprises")}


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    label: str  #: English msgid
    audience: str  #: who the term is mostly for (the browse page groups by it)


LIFE_EVENTS: tuple[Term, ...] = (
    Term("having_a_baby", N_("Having a baby"), PERSON),
    Term("education", N_("Going to school"), PERSON),
    Term("employment", N_("Working and finding a job"), PERSON),
    Term("marriage", N_("Getting married"), PERSON),
    Term("housing", N_("Buying, selling or renting a home"), PERSON),
    Term("driving", N_("Cars and driving"), PERSON),
    Term("identity_documents", N_("ID cards and household registration"), PERSON),
    Term("social_security", N_("Social insurance and pensions"), PERSON),
    Term("health", N_("Health and medical insurance"), PERSON),
    Term("taxes", N_("Paying taxes"), PERSON),
    Term("retirement", N_("Retiring"), PERSON),
    Term("disability", N_("Living with a disability"), PERSON),
    Term("bereavement", N_("When someone dies"), PERSON),
    Term("starting_a_business", N_("Starting a business"), ENTERPRISE),
    Term("running_a_business", N_("Running a business"), ENTERPRISE),
    Term("hiring", N_("Hiring and employees"), ENTERPRISE),
    Term("construction", N_("Building and property projects"), ENTERPRISE),
    Term("trade", N_("Trade and import/export"), ENTERPRISE),
    Term("closing_a_business", N_("Closing a business"), ENTERPRISE),
)

TOPICS: tuple[Term, ...] = (
    Term("public_security", N_("Public security"), PERSON),
    Term("civil_affairs", N_("Civil affairs"), PERSON),
    Term("social_insurance", N_("Social insurance"), PERSON),
    Term("housing_and_land", N_("Housing and land"), PERSON),
    Term("tax", N_("Tax"), PERSON),
    Term("transport", N_("Transport"), PERSON),
    Term("health", N_("Health"), PERSON),
    Term("education", N_("Education"), PERSON),
    Term("utilities", N_("Water, power and gas"), PERSON),
    Term("market_regulation", N_("Market regulation"), ENTERPRISE),
    Term("environment", N_("Environment"), ENTERPRISE),
    Term("subsidies", N_("Subsidies and support"), ENTERPRISE),
    Term("licences", N_("Licences and permits"), ENTERPRISE),
)

LIFE_EVENT_BY_CODE: Mapping[str, Term] = {t.code: t for t in LIFE_EVENTS}
TOPIC_BY_CODE: Mapping[str, Term] = {t.code: t for t in TOPICS}

#: Form field types and the rule type each one's value has.
FIELD_TYPES: Mapping[str, FieldType] = {
    "text": FieldType.TEXT,
    "textarea": FieldType.TEXT,
    "choice": FieldType.TEXT,
    "phone": FieldType.TEXT,
    "email": FieldType.TEXT,
    "id_number": FieldType.TEXT,
    "credit_code": FieldType.TEXT,
    "integer": FieldType.INTEGER,
    "money_yuan": FieldType.DECIMAL,
    "decimal": FieldType.DECIMAL,
    "date": FieldType.DATE,
    "boolean": FieldType.BOOLEAN,
}

#: What the platform knows about every applicant of each kind, as rule facts.
BUILTIN_FACTS: Mapping[str, Mapping[str, FieldType]] = {
    PERSON: {
        "age": FieldType.INTEGER,
        "gender": FieldType.TEXT,
        "birth_date": FieldType.DATE,
        "region_code": FieldType.TEXT,
    },
    ENTERPRISE: {
        "employees": FieldType.INTEGER,
        "industry": FieldType.TEXT,
        "enterprise_kind": FieldType.TEXT,
        "registered_capital_yuan": FieldType.INTEGER,
        "established_on": FieldType.DATE,
        "region_code": FieldType.TEXT,
    },
}
#: Facts every application has, whoever applies.
COMMON_FACTS: Mapping[str, FieldType] = {"application_no": FieldType.TEXT}

#: What a form field may be pre-filled with from the applicant's own record
#: (``prefill: applicant.name``), besides datahub item fields.
APPLICANT_ATTRIBUTES: Mapping[str, Mapping[str, FieldType]] = {
    PERSON: {
        "name": FieldType.TEXT,
        "gender": FieldType.TEXT,
        "birth_date": FieldType.DATE,
        "region_code": FieldType.TEXT,
        "address": FieldType.TEXT,
        "phone": FieldType.TEXT,
    },
    ENTERPRISE: {
        "name": FieldType.TEXT,
        "credit_code": FieldType.TEXT,
        "region_code": FieldType.TEXT,
        "address": FieldType.TEXT,
        "industry": FieldType.TEXT,
        "legal_rep_name": FieldType.TEXT,
    },
}

#: The datahub's and the certificates' field kinds as rule types.
KIND_TYPES: Mapping[str, FieldType] = {
    "string": FieldType.TEXT,
    "text": FieldType.TEXT,
    "integer": FieldType.INTEGER,
    "decimal": FieldType.DECIMAL,
    "date": FieldType.DATE,
    "boolean": FieldType.BOOLEAN,
}

UPLOAD_FORMATS = ("pdf", "jpg", "png", "ofd")

STEP_KINDS: Mapping[str, str] = {
    "check": N_("Automatic checks"),
    "review": N_("Review"),
    "parallel": N_("Reviews at the same time"),
    "payment": N_("Payment"),
    "issue": N_("Certificates issued"),
}
