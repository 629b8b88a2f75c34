"""What a visitor of the demo sees of the seeded housing bundles: the citizen's completed one
(paid once, the receipt, the title in the wallet) and the one waiting in the
natural-resources clerk's inbox, who can approve it there."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from sqlalchemy import select

from onevisit.applications.models import Application
from onevisit.demo import logins
from onevisit.demo.accounts import print_demo_logins
from onevisit.demo.applications import BUNDLE
from onevisit.demo.seed import seed_province
from onevisit.kernel.money import yuan
from onevisit.kernel.platform import Platform
from onevisit.payments.models import Receipt
from tests.functional.conftest import Browser

BY_KEY = {login.key: login for login in logins.DEMO_LOGINS}


@pytest.fixture
def seeded(platform: Platform) -> dict[str, Application]:
    seed_province(platform, citizens=40, enterprises=8, seed=99)
    with platform.db.session() as session:
        apps = session.scalars(select(Application).where(Application.service_code == BUNDLE)).all()
    return {a.status: a for a in apps}


def test_the_citizen_sees_one_bundle_done_and_one_under_review(
    platform: Platform, seeded: dict[str, Application], client: Browser
) -> None:
    done, waiting = seeded["completed"], seeded["in_review"]
    login = BY_KEY["citizen"]
    client.login(login.id_number, login.password)
    client.get("/language/en", follow_redirects=False)
    mine = client.get("/me/applications").text
    assert done.number in mine and waiting.number in mine
    assert "Completed" in mine and "Being reviewed" in mine

    page = client.get(f"/me/applications/{done.number}").text
    [title] = done.certificates
    assert title in page and yuan(done.fee_total_fen) in page
    assert title in client.get("/credentials").text  # the wallet
    with platform.db.session() as session:
        receipt = session.scalars(select(Receipt).where(Receipt.amount_fen == done.fee_total_fen)).one()
    assert receipt.number in client.get("/payments/receipts").text
    assert yuan(done.fee_total_fen) in client.get(f"/payments/receipts/{receipt.number}").text

    assert "Natural Resources" in client.get(f"/me/applications/{waiting.number}").text


def test_the_natural_resources_clerk_approves_the_waiting_one(seeded: dict[str, Application], client: Browser) -> None:
    waiting = seeded["in_review"]
    login = BY_KEY["clerk-nr"]
    client.login(login.id_number, login.password)
    inbox = client.get("/staff/applications").text
    assert waiting.number in inbox
    task = re.search(r'href="(/staff/applications/tasks/\d+)"', inbox)
    assert task is not None
    decided = client.submit(task.group(1), task.group(1), {"decision": "approve"}, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    assert waiting.number not in client.get("/staff/applications").text


def test_demo_logins_point_at_the_citizens_applications(platform: Platform, seeded: dict[str, Application]) -> None:
    buffer = io.StringIO()
    print_demo_logins(platform, console=Console(file=buffer, width=400))
    out = buffer.getvalue()
    done, waiting = seeded["completed"], seeded["in_review"]
    assert f"{done.number} completed" in out and done.certificates[0] in out
    assert f"{waiting.number} waiting for the natural-resources clerk" in out
