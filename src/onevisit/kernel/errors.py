"""Stable error codes and the one exception type services raise.

Callers branch on ``code``, never on the message. The API answers with RFC 9457 problem
details carrying the code; pages show an error summary. Messages are English msgids,
translated when rendered (see ``kernel.i18n``); ``params`` fill their ``%(name)s`` slots.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    """Base for every module's error codes. Values are stable, dotted and lower case."""


class KernelError(ErrorCode):
    NOT_FOUND = "kernel.not_found"
    METHOD_NOT_ALLOWED = "kernel.method_not_allowed"
    VALIDATION = "kernel.validation"
    NOT_AUTHENTICATED = "kernel.not_authenticated"
    FORBIDDEN = "kernel.forbidden"
    CSRF = "kernel.csrf"
    PAYLOAD_TOO_LARGE = "kernel.payload_too_large"
    RATE_LIMITED = "kernel.rate_limited"
    CONFLICT = "kernel.conflict"
    INTERNAL = "kernel.internal"
    BUSY = "kernel.busy"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; ``field`` is the form/JSON field name."""

    field: str
    message: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)


class AppError(Exception):
    """A failure the user can understand and act on.

    ``status`` is the HTTP status it maps to; ``message`` is an English msgid.
    """

    status: int = 400

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        status: int | None = None,
        params: Mapping[str, object] | None = None,
        fields: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.params: Mapping[str, object] = params or {}
        self.fields: list[FieldError] = fields or []
        self.headers: Mapping[str, str] = headers or {}


class NotFound(AppError):
    status = 404


class Forbidden(AppError):
    status = 403


class Conflict(AppError):
    status = 409


class ValidationFailed(AppError):
    """One or more fields are invalid; every problem is listed at once."""

    status = 422

    def __init__(self, fields: list[FieldError], code: ErrorCode = KernelError.VALIDATION) -> None:
        super().__init__(
            code, "Some of the information given is not valid.", fields=fields
        )  # msgid marked in problems.py


class InvalidInput(AppError, ValueError):
    """A value that fails a domain check (an ID number's checksum, say).

    Also a ``ValueError``, so a pydantic validator can raise it and the form shows its
    message against the field.
    """

    status = 422
