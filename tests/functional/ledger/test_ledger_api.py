"""The ledger through HTTP: public proofs, a witness over the API, errors, the staff page."""

from __future__ import annotations

from pathlib import Path

import pytest

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, sign_head
from onevisit.ledger.services import witnesses
from onevisit.ledger.signing import SigningKey, parse_public_key
from onevisit.ledger.verify import verify_proof
from onevisit.ledger.witness import HttpSource, Witness, WitnessState
from tests.common.factories import make_clerk, make_department
from tests.functional.conftest import Browser


def _grow(platform: Platform, start: int, count: int) -> None:
    with platform.uow() as uow:
        append_many(uow, "receipts", [f"receipt-{i}".encode() for i in range(start, start + count)])
        sign_head(uow, "receipts")


def test_proofs_from_the_api_verify_offline(platform: Platform, client: Browser) -> None:
    _grow(platform, 0, 40)
    logs = client.get("/api/v1/ledger/logs").json()
    assert [(entry["name"], entry["tree_size"]) for entry in logs] == [("receipts", 40)]
    key = parse_public_key(logs[0]["public_key"])
    inclusion = client.get("/api/v1/ledger/logs/receipts/proofs/inclusion", params={"index": 12}).json()
    assert "entry 12" in verify_proof(inclusion, log_key=key, data=b"receipt-12")
    _grow(platform, 40, 25)
    consistency = client.get("/api/v1/ledger/logs/receipts/proofs/consistency", params={"first": 40}).json()
    assert "extends size 40" in verify_proof(consistency, log_key=key)
    entries = client.get("/api/v1/ledger/logs/receipts/entries", params={"start": 60}).json()
    assert [e["index"] for e in entries] == [60, 61, 62, 63, 64]


def test_a_witness_over_http_makes_heads_final(platform: Platform, client: Browser, tmp_path: Path) -> None:
    key = SigningKey.generate()
    with platform.uow() as uow:
        witnesses.register_witness(uow, "zj-finance", key.public)
    witness = Witness("zj-finance", key, WitnessState(tmp_path / "state.json"), clock=platform.clock)
    source = HttpSource("http://127.0.0.1", client=client)
    _grow(platform, 0, 7)
    assert [o.status for o in witness.check_all(source)] == ["cosigned"]
    _grow(platform, 7, 9)
    assert witness.check(source, "receipts").status == "cosigned"
    head = client.get("/api/v1/ledger/logs/receipts/heads/latest").json()
    assert head["final"] and head["cosignatures"][0]["witness"] == "zj-finance"
    head16 = client.get("/api/v1/ledger/logs/receipts/heads/16").json()
    assert head16 == head


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        ("get", "/api/v1/ledger/logs/nope", None, 404, "ledger.log.unknown"),
        ("get", "/api/v1/ledger/logs/receipts/heads/99", None, 404, "ledger.head.not_found"),
        (
            "get",
            "/api/v1/ledger/logs/receipts/proofs/inclusion?index=5&tree_size=5",
            None,
            422,
            "ledger.index.out_of_range",
        ),
        (
            "get",
            "/api/v1/ledger/logs/receipts/proofs/inclusion?index=0&tree_size=6",
            None,
            422,
            "ledger.tree_size.invalid",
        ),
        ("get", "/api/v1/ledger/logs/receipts/proofs/inclusion?index=-1", None, 422, "kernel.validation"),
        (
            "get",
            "/api/v1/ledger/logs/receipts/proofs/consistency?first=4&second=2",
            None,
            422,
            "ledger.tree_size.invalid",
        ),
        (
            "get",
            "/api/v1/ledger/logs/receipts/proofs/consistency?first=99999999999999999999999",
            None,
            422,
            "kernel.validation",
        ),
        ("get", "/api/v1/ledger/logs/receipts/entries?start=3&end=9", None, 422, "ledger.index.out_of_range"),
        (
            "post",
            "/api/v1/ledger/logs/receipts/heads/5/cosignatures",
            {"witness": "ghost", "timestamp": 1, "signature": "AAAA"},
            404,
            "ledger.witness.unknown",
        ),
        (
            "post",
            "/api/v1/ledger/logs/receipts/heads/5/cosignatures",
            {"witness": "zj-court", "timestamp": 1, "signature": "AAAA"},
            409,
            "ledger.signature.invalid",
        ),
        (
            "post",
            "/api/v1/ledger/logs/receipts/heads/5/cosignatures",
            {"witness": "zj-court", "timestamp": 1, "signature": "%%%"},
            422,
            "ledger.proof.malformed",
        ),
        (
            "post",
            "/api/v1/ledger/alerts",
            {
                "witness": "zj-court",
                "log": "receipts",
                "kind": "ledger.head.inconsistent",
                "timestamp": 1,
                "signature": "A" * 88,
            },
            409,
            "ledger.signature.invalid",
        ),
    ],
)
def test_bad_requests_get_precise_problem_details(  # noqa: PLR0917 - pytest parameters
    platform: Platform, client: Browser, method: str, url: str, body: object, status: int, code: str
) -> None:
    _grow(platform, 0, 5)
    with platform.uow() as uow:
        witnesses.register_witness(uow, "zj-court", SigningKey.generate().public)
    response = client.request(method.upper(), url, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_staff_page_shows_logs_witnesses_and_alerts(platform: Platform, client: Browser, tmp_path: Path) -> None:
    _grow(platform, 0, 3)
    assert client.get("/staff/ledger", follow_redirects=False).status_code == 303
    department = make_department(platform)
    _, clerk_number, _ = make_clerk(platform, department, name="李文员")
    client.login(clerk_number)
    assert client.get("/staff/ledger").status_code == 403
    client.cookies.clear()
    _, admin_number, _ = make_clerk(platform, department, role="department_admin", name="王处长")
    with platform.uow() as uow:
        witnesses.register_witness(uow, "zj-court", SigningKey.generate().public)
        witnesses.raise_alert(uow, kind="ledger.head.inconsistent", message="fork at 3", log_name="receipts")
    client.login(admin_number)
    page = client.get("/staff/ledger")
    assert page.status_code == 200
    for text in ("receipts", "zj-court", "ledger.head.inconsistent", "fork at 3"):
        assert text in page.text
