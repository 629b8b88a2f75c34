"""Certificate types, declared as data: fields, issuing department, holder kind, validity.

Each type follows the metadata of the GB/T 36901–36906 family: a certificate has an
identifier (the number), an issuer (a department and its key), a holder (a person by ID
number or an enterprise by unified social credit code), a validity period and the type's
fields. Field values are strings, integers or booleans (decimals as strings, dates as
``YYYY-MM-DD``), so the signed form is canonical JSON.

``sensitive`` fields (other people's ID numbers) are never shown by default: a holder has
to choose to disclose them. Every person's certificate also carries derived claims —
``holder_id_masked`` and ``age_over_18`` — so a verifier can learn "an adult whose ID ends
in …1234" without the full number (see ``format.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from onevisit.kernel.i18n import N_

PERSON = "person"
ENTERPRISE = "enterprise"
FIELD_KINDS = ("string", "date", "integer", "decimal", "boolean")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str
    label_zh: str
    label_en: str
    required: bool = True
    sensitive: bool = False
    max_length: int = 200

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class CertificateType:
    code: str
    #: the certificate number starts with it (``BL-330000-2026-…``)
    prefix: str
    name_zh: str
    name_en: str
    #: the issuing department's code (``ZJ-AMR``); its key signs every certificate of the type
    department: str
    holder_kind: str
    fields: tuple[FieldSpec, ...]
    #: a fixed term from the day of issue, in days (None: no fixed term)
    valid_days: int | None = None
    #: a field whose date is the last day of validity (driving licences carry their own)
    valid_until_field: str | None = None
    #: claims derived from the fields, signed like them (``no_criminal_record``)
    derived: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def _f(
    name: str, kind: str, zh: str, en: str, *, required: bool = True, sensitive: bool = False, max_length: int = 200
) -> FieldSpec:
    return FieldSpec(name, kind, zh, en, required, sensitive, max_length)


TYPES: tuple[CertificateType, ...] = (
    CertificateType(
        "business_licence",
        "BL",
        "营业执照",
        "Business licence",
        "ZJ-AMR",
        ENTERPRISE,
        (
            _f("name", "string", "名称", "Name", max_length=128),
            _f("kind", "string", "类型", "Type", max_length=64),
            _f("legal_rep_name", "string", "法定代表人", "Legal representative", max_length=64),
            _f("registered_capital_yuan", "integer", "注册资本(元)", "Registered capital (yuan)"),
            _f("established_on", "date", "成立日期", "Established on"),
            _f("address", "string", "住所", "Registered address"),
        ),
    ),
    CertificateType(
        "marriage_certificate",
        "MC",
        "结婚证",
        "Marriage certificate",
        "ZJ-CA",
        PERSON,
        (
            _f("certificate_no", "string", "结婚证字号", "Certificate number", max_length=64),
            _f("spouse_name", "string", "配偶姓名", "Spouse", max_length=64),
            _f(
                "spouse_id_number",
                "string",
                "配偶身份证号",
                "Spouse's ID number",
                required=False,
                sensitive=True,
                max_length=18,
            ),
            _f("registered_on", "date", "登记日期", "Registered on"),
        ),
    ),
    CertificateType(
        "real_estate_title",
        "RE",
        "不动产权证书",
        "Real-estate title",
        "ZJ-NR",
        PERSON,
        (
            _f("certificate_no", "string", "不动产权证号", "Title number", max_length=64),
            _f("location", "string", "坐落", "Location"),
            _f("area_m2", "decimal", "面积(㎡)", "Area (m²)", max_length=16),
            _f("co_owner", "string", "共有人", "Co-owner", required=False, max_length=64),
            _f("registered_on", "date", "登簿日期", "Registered on"),
        ),
    ),
    CertificateType(
        "driving_licence",
        "DL",
        "机动车驾驶证",
        "Driving licence",
        "ZJ-PSB",
        PERSON,
        (
            _f("licence_class", "string", "准驾车型", "Class", max_length=8),
            _f("issued_on", "date", "初次领证日期", "First issued"),
            _f("valid_until", "date", "有效期至", "Valid until"),
        ),
        valid_until_field="valid_until",
    ),
    CertificateType(
        "ride_hailing_driver",
        "RH",
        "网络预约出租汽车驾驶员证",
        "Online car-hailing driver's qualification",
        "ZJ-TRANS",
        PERSON,
        (
            _f("certificate_no", "string", "证号", "Certificate number", max_length=32),
            _f("issued_on", "date", "发证日期", "Issued on"),
            _f("valid_until", "date", "有效期至", "Valid until"),
        ),
        valid_until_field="valid_until",
    ),
    CertificateType(
        "no_criminal_record",
        "NC",
        "无犯罪记录证明",
        "No-criminal-record certificate",
        "ZJ-PSB",
        PERSON,
        (
            _f("checked_on", "date", "核查日期", "Checked on"),
            _f("purpose", "string", "用途", "Purpose", required=False, max_length=64),
        ),
        valid_days=90,
        derived=("no_criminal_record",),
    ),
    CertificateType(
        "degree",
        "DG",
        "学位证书",
        "Degree certificate",
        "ZJ-EDU",
        PERSON,
        (
            _f("level", "string", "学位", "Degree", max_length=32),
            _f("institution", "string", "授予单位", "Institution", max_length=64),
            _f("graduated_on", "date", "授予日期", "Conferred on"),
        ),
    ),
    CertificateType(
        "vocational_qualification",
        "VQ",
        "职业资格证书",
        "Vocational qualification certificate",
        "ZJ-HRSS",
        PERSON,
        (
            _f("title", "string", "职业(工种)", "Occupation", max_length=64),
            _f("level", "integer", "等级", "Level"),
            _f("certificate_no", "string", "证书编号", "Certificate number", max_length=32),
        ),
    ),
    CertificateType(
        "discharge_permit",
        "DP",
        "排污许可证",
        "Pollutant discharge permit",
        "ZJ-EE",
        ENTERPRISE,
        (
            _f("permit_no", "string", "许可证编号", "Permit number", max_length=32),
            _f("valid_until", "date", "有效期至", "Valid until"),
        ),
        valid_until_field="valid_until",
    ),
)

BY_CODE: Mapping[str, CertificateType] = {t.code: t for t in TYPES}

#: Claims every certificate carries besides its fields, with their labels (msgids).
HOLDER_CLAIMS: Mapping[str, str] = {
    "holder_name": N_("Holder"),
    "holder_id": N_("Holder's ID number or credit code"),
    "holder_id_masked": N_("Holder's ID number (masked)"),
    "age_over_18": N_("Holder is 18 or over"),
    "no_criminal_record": N_("No criminal record"),
}


def find_type(code: str) -> CertificateType | None:
    return BY_CODE.get(code)


def claim_names(ctype: CertificateType) -> list[str]:
    """Every claim a certificate of ``ctype`` carries, in display order."""
    names = ["holder_name", "holder_id", *(f.name for f in ctype.fields)]
    if ctype.holder_kind == PERSON:
        names[2:2] = ["holder_id_masked", "age_over_18"]
    names.extend(ctype.derived)
    return names


def is_sensitive(ctype: CertificateType, claim: str) -> bool:
    """Not disclosed unless the holder chooses to: a person's full ID number, and fields
    declared sensitive. (An enterprise's credit code is public.)"""
    if claim == "holder_id":
        return ctype.holder_kind == PERSON
    spec = ctype.field(claim)
    return spec is not None and spec.sensitive
