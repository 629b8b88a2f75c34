"""Identity error codes (stable; clients branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import ErrorCode


class IdentityError(ErrorCode):
    ID_NUMBER_FORMAT = "identity.id_number.format"
    ID_NUMBER_REGION = "identity.id_number.region"
    ID_NUMBER_BIRTH_DATE = "identity.id_number.birth_date"
    ID_NUMBER_CHECKSUM = "identity.id_number.checksum"
    CREDIT_CODE_FORMAT = "identity.credit_code.format"
    CREDIT_CODE_CHECKSUM = "identity.credit_code.checksum"
    PHONE_FORMAT = "identity.phone.format"
    LOGIN_FAILED = "identity.login.failed"
    ACCOUNT_LOCKED = "identity.login.locked"
    OTP_FAILED = "identity.otp.failed"
    OTP_TOO_SOON = "identity.otp.too_soon"
    PERSON_EXISTS = "identity.person.exists"
    PERSON_NOT_FOUND = "identity.person.not_found"
    ENTERPRISE_EXISTS = "identity.enterprise.exists"
    ENTERPRISE_NOT_FOUND = "identity.enterprise.not_found"
    ENTERPRISE_NAME_TAKEN = "identity.enterprise.name_taken"
    ENTERPRISE_DETAILS = "identity.enterprise.details"
    NOT_REPRESENTATIVE = "identity.enterprise.not_representative"
    AGENT_EXISTS = "identity.agent.exists"
    AGENT_NAME_MISMATCH = "identity.agent.name_mismatch"
    NOT_YOUR_ENTERPRISE = "identity.enterprise.not_yours"
    DEPARTMENT_NOT_FOUND = "identity.department.not_found"
