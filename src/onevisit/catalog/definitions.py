"""The shape of a service definition file, as pydantic models.

A file holds ``services:`` and/or ``bundles:`` (see docs/catalog.md for a complete
example). These models check the *shape*: keys, types, lengths, choices from the
vocabulary. What needs the rest of the platform — departments, datahub items,
certificate types, rules type-checked against the applicant's facts, bundles' members —
is checked by :mod:`onevisit.catalog.checks`, which reports each problem at its line too.

Unknown keys are errors (``extra="forbid"``): a misspelt ``requried: true`` must not
silently make a field optional.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from onevisit.kernel.i18n import N_

#: ``tax.income_annual_filing``: dotted lower-case words, like the datahub's codes.
CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
#: form field, material, fee, step and fact names: what a rule can refer to
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
DEPARTMENT_PATTERN = r"^[A-Z][A-Z0-9-]{1,31}$"

Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=64)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
DepartmentCode = Annotated[str, StringConstraints(pattern=DEPARTMENT_PATTERN)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
RuleText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Days = Annotated[int, Field(ge=0, le=365, strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class Localized(_Model):
    """A short text in both languages: ``{zh: 结婚登记预约, en: Marriage registration appointment}``."""

    zh: Short
    en: Short

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class LocalizedLong(_Model):
    zh: Long
    en: Long

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


class Keywords(_Model):
    zh: list[Short] = Field(default_factory=list, max_length=30)
    en: list[Short] = Field(default_factory=list, max_length=30)


class Condition(_Model):
    """A rule and what it means, shown to applicants (``message``) when it decides."""

    rule: RuleText
    message: Localized


class Fact(_Model):
    """A fact about the applicant for rules, from the datahub or the wallet: exactly one of
    ``field`` (an item's field: ``psb.driving_licence.points``), ``exists`` (holds a record
    of the item: true/false), ``count`` (how many records), ``certificate`` (holds a valid
    certificate of the type). A plain string is read as ``field``."""

    field: str | None = Field(default=None, max_length=128)
    exists: str | None = Field(default=None, max_length=64)
    count: str | None = Field(default=None, max_length=64)
    certificate: str | None = Field(default=None, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        return {"field": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> Fact:
        if sum(v is not None for v in (self.field, self.exists, self.count, self.certificate)) != 1:
            raise ValueError(N_("Give exactly one of field, exists, count or certificate."))
        return self


class Validation(_Model):
    min_length: int | None = Field(default=None, ge=0, le=4000)
    max_length: int | None = Field(default=None, ge=1, le=4000)
    pattern: str | None = Field(default=None, max_length=200)
    min: float | None = None
    max: float | None = None


class Choice(_Model):
    value: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    label: Localized


FieldKind = Literal[
    "text",
    "textarea",
    "choice",
    "phone",
    "email",
    "id_number",
    "credit_code",
    "integer",
    "decimal",
    "money_yuan",
    "date",
    "boolean",
]


class FormField(_Model):
    name: Name
    type: FieldKind
    label: Localized
    hint: Localized | None = None
    required: bool = True
    validation: Validation | None = None
    choices: list[Choice] | None = Field(default=None, max_length=100)
    #: ``psb.household.address`` (a datahub item's field) or ``applicant.name``
    prefill: str | None = Field(default=None, max_length=128)


UploadFormat = Literal["pdf", "jpg", "png", "ofd"]


def _default_formats() -> list[UploadFormat]:
    return ["pdf", "jpg", "png"]


class Upload(_Model):
    formats: list[UploadFormat] = Field(default_factory=_default_formats)
    max_mb: int = Field(default=10, ge=1, le=50)


class MaterialSource(_Model):
    """One way a material can be satisfied; exactly one key."""

    datahub: str | None = Field(default=None, max_length=64)
    certificate: str | None = Field(default=None, max_length=64)
    commitment: Localized | None = None
    upload: Upload | None = None

    @model_validator(mode="before")
    @classmethod
    def _upload_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"upload"} and value["upload"] in (None, True):
            return {"upload": {}}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> MaterialSource:
        if sum(v is not None for v in (self.datahub, self.certificate, self.commitment, self.upload)) != 1:
            raise ValueError(N_("Give exactly one of datahub, certificate, commitment or upload."))
        return self

    @property
    def kind(self) -> str:
        if self.datahub is not None:
            return "datahub"
        if self.certificate is not None:
            return "certificate"
        if self.commitment is not None:
            return "commitment"
        return "upload"


class Material(_Model):
    code: Name
    name: Localized
    description: Localized | None = None
    required: bool = True
    #: only needed when this rule holds (``married = TRUE``)
    when: RuleText | None = None
    sources: list[MaterialSource] = Field(min_length=1, max_length=6)


class Fee(_Model):
    code: Name
    name: Localized
    amount_fen: int | None = Field(default=None, gt=0, le=10**12, strict=True)
    #: a rules formula giving fen (``ROUND(price_yuan * 100 * 0.03)``) instead of a fixed amount
    formula: RuleText | None = None
    payee: DepartmentCode
    bill_kind: Literal["service_fee", "traffic_fine", "utility", "social_insurance", "tax", "medical"] = "service_fee"
    when: RuleText | None = None

    @model_validator(mode="after")
    def _amount(self) -> Fee:
        if (self.amount_fen is None) == (self.formula is None):
            raise ValueError(N_("Give either amount_fen or formula."))
        return self


class TimeLimits(_Model):
    """In working days. ``committed_days`` is what the departments promise (often far
    below the statute); 0 means on the spot."""

    statutory_days: Days
    committed_days: Days


class _Step(_Model):
    id: Name
    name: Localized | None = None


class CheckStep(_Step):
    kind: Literal["check"]
    checks: list[Condition] = Field(min_length=1, max_length=30)


class ReviewStep(_Step):
    kind: Literal["review"]
    department: DepartmentCode
    time_limit_days: Days | None = None


class ParallelStep(_Step):
    kind: Literal["parallel"]
    steps: list[ReviewStep] = Field(min_length=2, max_length=10)


class PaymentStep(_Step):
    kind: Literal["payment"]
    #: the fee codes collected here (default: every fee)
    fees: list[Name] | None = None


class Issuance(_Model):
    type: str = Field(max_length=64)
    #: each certificate field → a rules expression giving its value (``TODAY()``, ``application_no``)
    claims: dict[str, RuleText] = Field(default_factory=dict, max_length=40)


class IssueStep(_Step):
    kind: Literal["issue"]
    certificates: list[Issuance] = Field(min_length=1, max_length=10)


Step = Annotated[CheckStep | ReviewStep | ParallelStep | PaymentStep | IssueStep, Field(discriminator="kind")]


class Output(_Model):
    certificate: str | None = Field(default=None, max_length=64)
    document: Localized | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Output:
        if (self.certificate is None) == (self.document is None):
            raise ValueError(N_("Give either certificate or document."))
        return self


class Establishment(_Model):
    """The enterprise a service establishes when it completes (enterprise establishment): each
    of its details is a rules expression over the application (``enterprise_name``,
    ``region_code``). The applicant — a person — becomes its legal representative, it is
    established on the day, and the certificates the service issues to an enterprise (the
    business licence) are issued to it."""

    name: RuleText
    #: one of identity's kinds: limited_company, joint_stock_company, individual_business, farmers_cooperative
    kind: RuleText
    #: the county-level region it is registered in (``region_code``: the applicant's own)
    region: RuleText
    registered_capital_yuan: RuleText | None = None
    address: RuleText | None = None
    #: a GB/T 4754 section letter (A–T)
    industry: RuleText | None = None


Audience = Literal["person", "enterprise"]


class _Listed(_Model):
    code: Code
    name: Localized
    description: LocalizedLong
    audience: Audience
    life_events: list[Name] = Field(default_factory=list, max_length=10)
    topics: list[Name] = Field(default_factory=list, max_length=10)
    keywords: Keywords | None = None


class ServiceDefinition(_Listed):
    """One public service."""

    departments: list[DepartmentCode] = Field(min_length=1, max_length=10)
    #: who fills in the form, when not the audience (the founder of an enterprise to be)
    applicant: Audience | None = None
    #: ``province``: any office in the province handles it ("handle anywhere")
    scope: Literal["province", "county"] = "province"
    legal_basis: Short | None = None
    #: the datahub use under which the applicant's records are read (default: the service code)
    data_use: Code | None = None
    facts: dict[Name, Fact] = Field(default_factory=dict, max_length=40)
    eligibility: list[Condition] = Field(default_factory=list, max_length=20)
    form: list[FormField] = Field(default_factory=list, max_length=80)
    materials: list[Material] = Field(default_factory=list, max_length=40)
    fees: list[Fee] = Field(default_factory=list, max_length=20)
    time_limits: TimeLimits
    steps: list[Step] = Field(min_length=1, max_length=20)
    instant_approval: Condition | None = None
    outputs: list[Output] = Field(default_factory=list, max_length=20)
    #: the new enterprise it registers on completion (applied for by its founder)
    establishes: Establishment | None = None

    @property
    def applicant_kind(self) -> str:
        return self.applicant or self.audience

    @property
    def lead_department(self) -> str:
        return self.departments[0]

    def fact_names(self) -> list[str]:
        return [*self.facts, *(f.name for f in self.form)]

    def involved_departments(self) -> list[str]:
        """Owning departments first, then every other department that reviews a step."""
        found = list(self.departments)
        for step in self.steps:
            reviews = step.steps if isinstance(step, ParallelStep) else [step]
            for review in reviews:
                if isinstance(review, ReviewStep) and review.department not in found:
                    found.append(review.department)
        return found


class BundleDefinition(_Listed):
    """A "one matter" bundle: several services applied for with one form and one payment."""

    services: list[Code] = Field(min_length=2, max_length=12)

    @field_validator("services")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(N_("A service is listed twice."))
        return value


class DefinitionFile(_Model):
    services: list[ServiceDefinition] = Field(default_factory=list, max_length=200)
    bundles: list[BundleDefinition] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _something(self) -> DefinitionFile:
        if not self.services and not self.bundles:
            raise ValueError(N_("The file defines no services and no bundles."))
        return self
