"""The composition root: every module's routes, templates, notices and event subscriptions
are wired here, in one place, so the whole system can be read from this file."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from onevisit import __version__
from onevisit.applications import api as applications_api
from onevisit.applications import jobs as applications_jobs
from onevisit.applications import views as applications_views
from onevisit.applications.services.review import on_payment_settled, settles_an_application
from onevisit.catalog import api as catalog_api
from onevisit.catalog import views as catalog_views
from onevisit.citybrain import api as citybrain_api
from onevisit.citybrain import views as citybrain_views
from onevisit.credentials import api as credentials_api
from onevisit.credentials import jobs as credentials_jobs
from onevisit.credentials import views as credentials_views
from onevisit.datahub import api as datahub_api
from onevisit.datahub import jobs as datahub_jobs
from onevisit.datahub import views as datahub_views
from onevisit.identity import api as identity_api
from onevisit.identity import views as identity_views
from onevisit.identity.services.principals import make_resolver
from onevisit.kernel import jobs as kernel_jobs
from onevisit.kernel.http.middleware import EdgeMiddleware
from onevisit.kernel.http.problems import install_error_handlers
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.money import yuan
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Settings, get_settings
from onevisit.ledger import api as ledger_api
from onevisit.ledger import jobs as ledger_jobs
from onevisit.ledger import views as ledger_views
from onevisit.ledger.signer import start_head_signer
from onevisit.payments import api as payments_api
from onevisit.payments import jobs as payments_jobs
from onevisit.payments import views as payments_views
from onevisit.policies import api as policies_api
from onevisit.policies import views as policies_views
from onevisit.web import views as web_views

PACKAGE = Path(__file__).resolve().parent
GIL_SWITCH_INTERVAL_SECONDS = 0.0005

#: Every module with pages contributes a ``templates/`` folder; web's holds the shell.
TEMPLATE_DIRS = [
    PACKAGE / "web" / "templates",
    PACKAGE / "identity" / "templates",
    PACKAGE / "catalog" / "templates",
    PACKAGE / "applications" / "templates",
    PACKAGE / "ledger" / "templates",
    PACKAGE / "datahub" / "templates",
    PACKAGE / "payments" / "templates",
    PACKAGE / "policies" / "templates",
    PACKAGE / "credentials" / "templates",
    PACKAGE / "citybrain" / "templates",
]


def build_templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["yuan"] = yuan  # every amount on every page: {{ bill.amount_fen|yuan }}
    return Jinja2Templates(env=env)


def wire_events(platform: Platform) -> None:
    """Event subscriptions, all of them, in one place."""
    from onevisit.payments import PaymentSettled

    # a paid bill completes its application: certificates into the wallet
    platform.bus.subscribe(
        PaymentSettled, on_payment_settled(platform), name="applications.payment_settled", when=settles_an_application
    )


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    """Every module's periodic jobs, all of them, in one place; ``onevisit worker`` runs
    them (docs/operations.md). Wire the platform's events first (:func:`wire_events`): the
    outbox job delivers events to their subscribers."""
    return [
        *kernel_jobs.periodic_jobs(platform),
        *ledger_jobs.periodic_jobs(platform),
        *datahub_jobs.periodic_jobs(platform),
        *applications_jobs.periodic_jobs(platform),
        *credentials_jobs.periodic_jobs(platform),
        *payments_jobs.periodic_jobs(platform),
    ]


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    settings = settings or (platform.settings if platform else get_settings())
    platform = platform or Platform(settings)
    wire_events(platform)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Periodic work runs in `onevisit worker` (ledger heads included: job
        # ledger.sign_heads). A lone development server with no worker still signs due heads
        # itself when ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS > 0 (300 in development, 0
        # elsewhere); `make demo` runs the worker and sets it to 0 for the server, so one
        # mechanism signs. Signing is idempotent per tree size, so overlap would be harmless.
        head_signer = start_head_signer(platform)
        # Group commits (payments) run database batches on threads beside the event loop,
        # handing the GIL over on every round trip; at the default 5 ms switch interval a
        # busy loop makes each round trip wait up to 5 ms, which halved settlement throughput
        # (docs/payments.md, "Benchmark"). 0.5 ms: a few more switches, far less waiting.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
        yield
        if head_signer is not None:
            head_signer.stop()
        platform.close()

    app = FastAPI(
        title="OneVisit API",
        version=__version__,
        description="OneVisit public-service platform. Errors are RFC 9457 problem details with a stable `code`.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.templates = build_templates()
    app.state.principal_resolver = make_resolver(platform)
    app.state.periodic_jobs = periodic_jobs(platform)  # listed on /staff/jobs
    app.state.notices = dict(web_views.NOTICES) | dict(payments_views.NOTICES)
    app.state.notices.update(datahub_views.NOTICES)
    app.state.notices.update(credentials_views.NOTICES)
    app.state.notices.update(catalog_views.NOTICES)
    app.state.notices.update(applications_views.NOTICES)
    app.state.notices.update(policies_views.NOTICES)

    install_error_handlers(app)
    # First: routes are matched in order (~1.2 µs per route passed, twice per request),
    # and the channels' notifications, payment orders and applications through the API
    # are the busiest machine-to-machine traffic (~0.1 and ~0.8 ms saved per request).
    app.include_router(payments_api.router)
    app.include_router(applications_api.router)
    app.include_router(web_views.router)
    app.include_router(identity_views.router)
    app.include_router(identity_api.router)
    app.include_router(ledger_views.router)
    app.include_router(ledger_api.router)
    app.include_router(datahub_views.router)
    app.include_router(datahub_api.router)
    app.include_router(payments_views.router)
    app.include_router(credentials_views.router)
    app.include_router(credentials_api.router)
    app.include_router(catalog_views.router)
    app.include_router(catalog_api.router)
    app.include_router(applications_views.router)
    app.include_router(policies_views.router)
    app.include_router(policies_api.router)
    app.include_router(citybrain_views.router)
    app.include_router(citybrain_api.router)
    if settings.is_development:
        app.include_router(web_views.dev_router)
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "web" / "static")), name="static")
    app.add_middleware(
        EdgeMiddleware, max_body_bytes=settings.max_request_bytes, secure_cookies=settings.cookies_secure
    )
    return app
