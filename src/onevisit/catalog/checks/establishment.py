"""Checking a service's ``establishes`` block: who may establish an enterprise, each
detail's expression and type, and the kinds and industries it can give."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onevisit.catalog.errors import CatalogError
from onevisit.identity.services.establishment import ENTITY_TYPES, INDUSTRY_SECTIONS
from onevisit.kernel.i18n import N_
from onevisit.rules import FieldType

if TYPE_CHECKING:
    from onevisit.catalog.checks.service import _ServiceChecker


def check_establishment(checker: _ServiceChecker) -> None:
    service = checker.service
    found = service.establishes
    if found is None:
        return
    if service.audience != "enterprise" or checker.kind != "person":
        checker.add(
            ("establishes",),
            CatalogError.STRUCTURE,
            N_(
                "Only a service that an enterprise's founder applies for (audience: enterprise, "
                "applicant: person) can establish an enterprise."
            ),
        )
        return
    for detail, expression in found.model_dump(exclude_none=True).items():
        kind = checker.rule(("establishes", detail), expression, value=True)
        numeric = detail == "registered_capital_yuan"
        if kind is not None and (not kind.numeric if numeric else kind is not FieldType.TEXT):
            checker.add(
                ("establishes", detail),
                CatalogError.TYPE_MISMATCH,
                N_("The enterprise's %(detail)s is %(wanted)s, but this gives %(kind)s."),
                detail=detail,
                wanted="number" if numeric else str(FieldType.TEXT),
                kind=str(kind),
            )
    _values_within(
        checker,
        "kind",
        found.kind,
        tuple(ENTITY_TYPES),
        N_("“%(value)s” is not a kind of enterprise one can establish; choose from: %(choices)s."),
    )
    if found.industry is not None:
        _values_within(
            checker,
            "industry",
            found.industry,
            tuple(INDUSTRY_SECTIONS),
            N_("“%(value)s” is not a GB/T 4754 industry section; choose from: %(choices)s."),
        )


def _values_within(
    checker: _ServiceChecker, detail: str, expression: str, allowed: tuple[str, ...], message: str
) -> None:
    """The values ``expression`` can give, where they can be known (a quoted value, or a
    choice field's choices), are among ``allowed``."""
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        values = [text[1:-1]]
    else:
        field = next((f for f in checker.service.form if f.name == text), None)
        values = [c.value for c in (field.choices or [])] if field is not None else []
    for value in values:
        if value not in allowed:
            checker.add(
                ("establishes", detail), CatalogError.VOCABULARY, message, value=value, choices=", ".join(allowed)
            )
