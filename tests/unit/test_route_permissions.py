"""Fitness test: every route of the app declares who may use it.

After GOV.UK Notify's ``test_permissions.py``: walk every route the application serves and
fail if one has no :class:`~onevisit.kernel.http.authz.Requirement` among its dependencies,
so an unprotected page cannot ship by forgetting ``Depends(...)``. CSRF is checked inside
``Requirement`` for unsafe methods; ``tests/functional/test_bad_input.py`` proves that on
every form.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from onevisit.app import create_app
from onevisit.kernel.http.authz import Requirement
from onevisit.kernel.platform import Platform

#: The framework's own documentation routes (exact paths) and the static files mount.
EXEMPT_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect"}
EXEMPT_MOUNTS = {"/static"}


@dataclass(frozen=True)
class Found:
    path: str
    methods: frozenset[str]
    route: Any
    inherited: tuple[Any, ...]


def walk(routes: list[Any], prefix: str = "", inherited: tuple[Any, ...] = ()) -> Iterator[Found]:
    """Every route, through FastAPI 0.165's ``_IncludedRouter`` wrappers, with full paths."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            context = route.include_context
            yield from walk(original.routes, prefix + context.prefix, inherited + tuple(context.dependencies))
        else:
            path = prefix + getattr(route, "path", "")
            yield Found(path, frozenset(getattr(route, "methods", None) or ()), route, inherited)


def requirements(dependant: Dependant) -> list[Requirement]:
    found = [dependant.call] if isinstance(dependant.call, Requirement) else []
    for sub in dependant.dependencies:
        found.extend(requirements(sub))
    return found


def requirements_of(found: Found) -> list[Requirement]:
    reqs = [d.dependency for d in found.inherited if isinstance(d.dependency, Requirement)]
    return reqs + requirements(found.route.dependant)


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(platform=platform)


def test_every_route_declares_a_requirement(app: FastAPI) -> None:
    unprotected = []
    for found in walk(app.routes):
        if isinstance(found.route, APIRoute):
            if not requirements_of(found):
                unprotected.append(f"{sorted(found.methods)} {found.path}")
        elif isinstance(found.route, Mount):
            assert found.path in EXEMPT_MOUNTS, f"unexpected mount {found.path}"
        elif isinstance(found.route, Route):
            assert found.path in EXEMPT_ROUTES, f"plain route without a Requirement: {found.path}"
        else:
            pytest.fail(f"route of unknown kind {type(found.route).__name__} at {found.path}")
    assert not unprotected, "routes without an explicit permission: " + ", ".join(unprotected)


def test_the_walk_finds_the_routes_we_know_of(app: FastAPI) -> None:
    seen = {(method, f.path) for f in walk(app.routes) for method in f.methods}
    expected = {
        ("GET", "/"),
        ("GET", "/language/{code}"),
        ("GET", "/healthz"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/login/sms"),
        ("POST", "/login/sms"),
        ("POST", "/login/sms/verify"),
        ("POST", "/logout"),
        ("GET", "/me"),
        ("GET", "/enterprises/{credit_code}"),
        ("POST", "/enterprises/{credit_code}/act"),
        ("POST", "/enterprises/{credit_code}/agents"),
        ("POST", "/enterprises/{credit_code}/agents/{agent_id}/revoke"),
        ("GET", "/staff"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/sms-code"),
        ("POST", "/api/v1/auth/sms-login"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/regions"),
        ("POST", "/api/v1/identity/id-numbers/check"),
        ("GET", "/api/v1/identity/credit-codes/{value}"),
        ("GET", "/api/v1/ledger/logs/{log}/proofs/inclusion-by-hash"),
        ("GET", "/dev/messages"),
        ("GET", "/me/data"),
        ("POST", "/me/data/consents"),
        ("POST", "/me/data/consents/revoke"),
        ("GET", "/staff/datahub"),
        ("GET", "/staff/datahub/usage"),
        ("GET", "/api/v1/datahub/items"),
        ("POST", "/api/v1/datahub/dossier"),
        ("POST", "/api/v1/datahub/approvals"),
        ("POST", "/api/v1/datahub/approvals/revoke"),
        ("GET", "/staff/datahub/quality"),
        ("GET", "/staff/datahub/sources"),
        ("GET", "/staff/datahub/sources/new"),
        ("POST", "/staff/datahub/sources"),
        ("GET", "/staff/datahub/sources/{code}"),
        ("GET", "/staff/datahub/sources/{code}/edit"),
        ("POST", "/staff/datahub/sources/{code}/edit"),
        ("POST", "/staff/datahub/sources/{code}/refresh"),
        ("GET", "/staff/datahub/sources/{code}/items/new"),
        ("POST", "/staff/datahub/sources/{code}/items"),
        ("GET", "/staff/datahub/items/{code}/edit"),
        ("POST", "/staff/datahub/items/{code}/edit"),
        ("GET", "/staff/datahub/items/{code}/import"),
        ("POST", "/staff/datahub/items/{code}/import"),
        ("GET", "/staff/datahub/requests"),
        ("GET", "/staff/datahub/requests/new"),
        ("POST", "/staff/datahub/requests"),
        ("GET", "/staff/datahub/requests/{request_id}"),
        ("POST", "/staff/datahub/requests/{request_id}/approve"),
        ("POST", "/staff/datahub/requests/{request_id}/refuse"),
        ("POST", "/staff/datahub/requests/{request_id}/revoke"),
        ("POST", "/staff/datahub/requests/{request_id}/withdraw"),
        ("GET", "/api/v1/datahub/requests"),
        ("POST", "/api/v1/datahub/requests"),
        ("GET", "/api/v1/datahub/requests/{request_id}"),
        ("POST", "/api/v1/datahub/requests/{request_id}/approve"),
        ("POST", "/api/v1/datahub/requests/{request_id}/refuse"),
        ("POST", "/api/v1/datahub/requests/{request_id}/revoke"),
        ("POST", "/api/v1/datahub/requests/{request_id}/withdraw"),
        ("GET", "/staff/jobs"),
        ("POST", "/staff/jobs/{name}/run"),
        ("GET", "/api/v1/me/data-accesses"),
        ("POST", "/api/v1/me/consents"),
        ("POST", "/api/v1/me/consents/{use}/revoke"),
        ("GET", "/payments/bills"),
        ("POST", "/payments/bills/find"),
        ("GET", "/payments/bills/{number}"),
        ("POST", "/payments/bills/{number}/pay"),
        ("GET", "/payments/orders/{number}/return"),
        ("GET", "/payments/orders/{number}/go"),
        ("GET", "/payments/receipts"),
        ("GET", "/payments/receipts/{number}"),
        ("GET", "/payments/receipts/{number}/pdf"),
        ("GET", "/receipts/verify/{number}"),
        ("GET", "/staff/payments"),
        ("POST", "/staff/payments/reconcile"),
        ("GET", "/api/v1/payments/bills"),
        ("GET", "/api/v1/payments/bills/{number}"),
        ("POST", "/api/v1/payments/orders"),
        ("GET", "/api/v1/payments/orders/{number}"),
        ("POST", "/api/v1/payments/notify/{channel}"),
        ("GET", "/api/v1/payments/receipts"),
        ("GET", "/api/v1/payments/receipts/{number}/verify"),
        ("POST", "/api/v1/payments/receipts/{number}/claim"),
        ("POST", "/api/v1/payments/orders/{number}/refunds"),
        ("POST", "/api/v1/payments/reconciliations"),
        ("GET", "/credentials"),
        ("GET", "/credentials/enterprises/{credit_code}"),
        ("GET", "/credentials/c/{number}"),
        ("GET", "/credentials/c/{number}/pdf"),
        ("POST", "/credentials/c/{number}/shares"),
        ("POST", "/credentials/c/{number}/shares/{share_id}/revoke"),
        ("GET", "/credentials/verify.js"),
        ("GET", "/credentials/verify"),
        ("POST", "/credentials/verify"),
        ("GET", "/credentials/s/{token}"),
        ("GET", "/staff/credentials"),
        ("POST", "/staff/credentials/{number}/status"),
        ("GET", "/api/v1/credentials/types"),
        ("GET", "/api/v1/credentials/issuers"),
        ("POST", "/api/v1/credentials/verify"),
        ("GET", "/api/v1/credentials/status-list"),
        ("GET", "/api/v1/credentials/{number}/status"),
        ("GET", "/api/v1/credentials/{number}/proof"),
        ("POST", "/api/v1/credentials"),
        ("POST", "/api/v1/credentials/{number}/status"),
        ("POST", "/api/v1/credentials/materials"),
        ("GET", "/api/v1/me/credentials"),
        ("GET", "/api/v1/me/credentials/{number}"),
        ("POST", "/api/v1/me/credentials/{number}/shares"),
        ("POST", "/api/v1/me/credentials/{number}/shares/{share_id}/revoke"),
        ("GET", "/citybrain"),
        ("POST", "/api/v1/citybrain/areas"),
        ("GET", "/api/v1/citybrain/areas"),
        ("GET", "/api/v1/citybrain/areas/{name}"),
        ("POST", "/api/v1/citybrain/areas/{name}/readings"),
        ("GET", "/api/v1/citybrain/areas/{name}/decision"),
        ("GET", "/api/v1/citybrain/live"),
        ("GET", "/api/v1/citybrain/results"),
        ("GET", "/services"),
        ("GET", "/services/{code}"),
        ("GET", "/bundles/{code}"),
        ("GET", "/staff/catalog"),
        ("POST", "/staff/catalog/loads"),
        ("GET", "/staff/catalog/loads/{load_id}"),
        ("GET", "/staff/catalog/services/{code}"),
        ("GET", "/api/v1/catalog/services"),
        ("GET", "/api/v1/catalog/services/{code}"),
        ("GET", "/api/v1/catalog/bundles/{code}"),
        ("GET", "/api/v1/catalog/facets"),
        ("POST", "/api/v1/catalog/loads"),
        ("GET", "/api/v1/catalog/loads"),
        ("GET", "/api/v1/catalog/loads/{load_id}"),
        ("GET", "/apply/{code}"),
        ("POST", "/apply/{code}"),
        ("GET", "/me/applications"),
        ("GET", "/me/applications/{number}"),
        ("POST", "/me/applications/{number}"),
        ("POST", "/me/applications/{number}/withdraw"),
        ("GET", "/staff/applications"),
        ("GET", "/staff/applications/tasks/{task_id}"),
        ("POST", "/staff/applications/tasks/{task_id}"),
        ("POST", "/api/v1/applications"),
        ("GET", "/api/v1/me/applications"),
        ("GET", "/api/v1/me/applications/{number}"),
        ("GET", "/api/v1/staff/tasks"),
        ("POST", "/api/v1/staff/tasks/{task_id}/decision"),
        ("GET", "/policies/offers"),
        ("GET", "/policies/offers/{number}"),
        ("POST", "/policies/offers/{number}/confirm"),
        ("POST", "/staff/policies/offers/{number}/clawback"),
        ("GET", "/staff/policies"),
        ("GET", "/staff/policies/new"),
        ("POST", "/staff/policies"),
        ("GET", "/staff/policies/{code}"),
        ("POST", "/staff/policies/{code}/publish"),
        ("POST", "/staff/policies/{code}/match"),
        ("POST", "/staff/policies/{code}/close"),
        ("GET", "/api/v1/policies"),
        ("POST", "/api/v1/policies"),
        ("GET", "/api/v1/policies/{code}"),
        ("POST", "/api/v1/policies/{code}/publish"),
        ("POST", "/api/v1/policies/{code}/close"),
        ("POST", "/api/v1/policies/{code}/match"),
        ("GET", "/api/v1/policies/{code}/offers"),
        ("GET", "/api/v1/policies/offers/mine"),
        ("GET", "/api/v1/policies/offers/{number}"),
        ("POST", "/api/v1/policies/offers/{number}/confirm"),
        ("POST", "/api/v1/policies/offers/{number}/clawback"),
    }
    missing = expected - seen
    assert not missing, f"the walk did not find {sorted(missing)}: it may be passing vacuously"
    api_routes = [f for f in walk(app.routes) if isinstance(f.route, APIRoute)]
    assert len(api_routes) >= len(expected)


def test_the_requirements_found_are_the_ones_declared(app: FastAPI) -> None:
    """Spot checks, so the walk cannot be satisfied by the wrong thing."""
    by_key = {(m, f.path): f for f in walk(app.routes) for m in f.methods}
    names = {
        key: [r.name for r in requirements_of(by_key[key])] for key in by_key if isinstance(by_key[key].route, APIRoute)
    }
    assert names[("GET", "/me")] == ["citizen.portal"]
    assert names[("GET", "/staff")] == ["staff.portal"]
    assert names[("POST", "/logout")] == ["login"]
    assert names[("GET", "/")] == ["public"]
    assert names[("GET", "/enterprises/{credit_code}")] == ["enterprise.portal"]
    assert names[("GET", "/staff/payments")] == ["payments.manage"]
    assert names[("POST", "/api/v1/payments/notify/{channel}")] == ["public"]
    assert names[("POST", "/api/v1/payments/receipts/{number}/claim")] == ["enterprise.portal"]
    assert names[("GET", "/api/v1/ledger/logs/{log}/proofs/inclusion-by-hash")] == ["public"]
    assert names[("POST", "/api/v1/citybrain/areas/{name}/readings")] == ["citybrain.operate"]
    assert names[("GET", "/citybrain")] == ["citybrain.read"]
    assert names[("GET", "/staff/jobs")] == ["admin.portal"]
    assert names[("POST", "/staff/datahub/requests/{request_id}/approve")] == ["datahub.manage"]
    assert names[("POST", "/staff/datahub/requests")] == ["staff.portal"]
    assert names[("POST", "/staff/datahub/items/{code}/import")] == ["datahub.manage"]
    assert names[("GET", "/services/{code}")] == ["public"]
    assert names[("POST", "/staff/catalog/loads")] == ["admin.portal"]
    assert names[("POST", "/api/v1/catalog/loads")] == ["admin.portal"]
    assert names[("POST", "/me/applications/{number}")] == ["citizen.portal"]
    assert names[("POST", "/staff/applications/tasks/{task_id}")] == ["staff.portal"]
    assert names[("POST", "/policies/offers/{number}/confirm")] == ["login"]
    assert names[("POST", "/api/v1/policies/offers/{number}/clawback")] == ["payments.manage"]


def test_a_route_without_a_requirement_would_be_caught(app: FastAPI) -> None:
    @app.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    offenders = [f.path for f in walk(app.routes) if isinstance(f.route, APIRoute) and not requirements_of(f)]
    assert offenders == ["/forgotten"]
