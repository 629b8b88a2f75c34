"""The credentials API: public keys, verification, status list, proofs; issuing by the
issuing department's staff (idempotent); materials; the holder's wallet and share links;
and the offline verifier on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from onevisit import credentials, ledger
from onevisit.cli import app as cli_app
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.identity.models import Department
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk
from tests.functional.conftest import Browser
from tests.unit.credentials.conftest import MARRIAGE, People


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def _login(client: Browser, number: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
    assert token.status_code == 200, token.text
    return {"X-CSRF-Token": token.json()["csrf_token"]}


def _clerk(platform: Platform, code: str) -> str:
    with platform.db.session() as session:
        department = session.scalar(select(Department).where(Department.code == code))
        assert department is not None
    return make_clerk(platform, department, name=f"{code} 文员")[1]


def test_staff_issue_idempotently_and_anyone_verifies(platform: Platform, client: Browser, people: People) -> None:
    headers = _login(client, _clerk(platform, "ZJ-CA"))
    body = {"type_code": "marriage_certificate", "holder": people.citizen_number, "fields": MARRIAGE}
    _problem(client.post("/api/v1/credentials", json=body, headers=headers), 422, "credentials.idempotency.key_invalid")
    headers["Idempotency-Key"] = "marriage-0001"
    first = client.post("/api/v1/credentials", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/credentials", json=body, headers=headers)
    assert again.json()["number"] == first.json()["number"]
    number = first.json()["number"]
    _problem(
        client.post(
            "/api/v1/credentials",
            json={**body, "fields": {"spouse_name": ""}},
            headers=headers | {"Idempotency-Key": "marriage-0002x"},
        ),
        422,
        "credentials.fields.invalid",
    )
    _problem(
        client.post(
            "/api/v1/credentials",
            json={**body, "type_code": "driving_licence"},
            headers=headers | {"Idempotency-Key": "marriage-0003x"},
        ),
        403,
        "credentials.not_issuer",
    )
    unknown = client.post(
        "/api/v1/credentials",
        json={**body, "holder": "330106199001011230"},
        headers=headers | {"Idempotency-Key": "marriage-0004x"},
    )
    assert unknown.status_code in (404, 422) and unknown.json()["code"] in (
        "credentials.holder.unknown",
        "identity.id_number.checksum",
    )

    anonymous = Browser(client.app, base_url="http://127.0.0.1")
    keys = anonymous.get("/api/v1/credentials/issuers").json()
    assert [k["department"] for k in keys] == ["ZJ-CA"] and len(keys[0]["public_key"]) == 64
    types = anonymous.get("/api/v1/credentials/types").json()
    assert {"business_licence", "marriage_certificate", "no_criminal_record", "ride_hailing_driver"} <= {
        t["code"] for t in types
    }
    assert anonymous.get(f"/api/v1/credentials/{number}/status").json()["status"] == "valid"

    client.post("/api/v1/auth/logout", headers=headers)
    holder = _login(client, people.citizen_number)
    mine = client.get("/api/v1/me/credentials", headers=holder).json()
    assert [c["number"] for c in mine] == [number]
    detail = client.get(f"/api/v1/me/credentials/{number}", headers=holder).json()
    assert detail["claims"]["spouse_id_number"] == "330106********0024"
    verdict = anonymous.post("/api/v1/credentials/verify", json={"payload": detail["payload"]}).json()
    assert verdict["valid"] and verdict["reason"] == "valid" and verdict["claims"]["spouse_name"] == "李华"
    assert "spouse_id_number" not in verdict["claims"]
    checks = {c["name"]: c["outcome"] for c in verdict["checks"]}
    assert checks["signature"] == "pass" and checks["status"] == "pass" and checks["ledger"] == "unknown"
    garbage = anonymous.post("/api/v1/credentials/verify", json={"payload": "\u0000not a certificate"})
    assert garbage.status_code == 200 and garbage.json()["reason"] == "malformed"
    _problem(anonymous.post("/api/v1/credentials/verify", json={}), 422, "credentials.payload.missing")
    _problem(anonymous.post("/api/v1/credentials/verify", json={"payload": "x" * 20_000}), 422, "kernel.validation")

    share = client.post(
        f"/api/v1/me/credentials/{number}/shares",
        json={"claims": ["holder_name", "holder_id"], "hours": 1},
        headers=holder,
    )
    assert share.status_code == 201, share.text
    shared = anonymous.post("/api/v1/credentials/verify", json={"link": share.json()["url"]}).json()
    assert shared["valid"] and shared["claims"] == {"holder_name": "王小明", "holder_id": people.citizen_number}
    assert {c["name"]: c["outcome"] for c in shared["checks"]}["ledger"] == "pass"
    _problem(
        client.post(f"/api/v1/me/credentials/{number}/shares", json={"claims": ["x"], "hours": 1}, headers=holder),
        422,
        "credentials.share.invalid",
    )
    _problem(
        client.post(
            f"/api/v1/me/credentials/{number}/shares", json={"claims": ["holder_name"], "hours": 5}, headers=holder
        ),
        422,
        "credentials.share.invalid",
    )
    revoked = client.post(f"/api/v1/me/credentials/{number}/shares/{share.json()['id']}/revoke", headers=holder)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    _problem(
        anonymous.post("/api/v1/credentials/verify", json={"link": share.json()["url"]}), 410, "credentials.share.gone"
    )

    proof = anonymous.get(f"/api/v1/credentials/{number}/proof")
    assert proof.status_code == 200 and proof.json()["format"] == "onevisit.credential.proof.v1"


def test_status_changes_are_public_and_only_the_issuer_makes_them(
    platform: Platform, client: Browser, people: People
) -> None:
    with platform.uow() as uow:
        number = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE).number
    police = _login(client, _clerk(platform, "ZJ-PSB"))
    body = {"action": "suspend", "reason_code": "under_investigation", "reason": "a complaint"}
    _problem(
        client.post(f"/api/v1/credentials/{number}/status", json=body, headers=police), 403, "credentials.not_issuer"
    )
    client.post("/api/v1/auth/logout", headers=police)
    civil = _login(client, _clerk(platform, "ZJ-CA"))
    done = client.post(f"/api/v1/credentials/{number}/status", json=body, headers=civil)
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    _problem(
        client.post(f"/api/v1/credentials/{number}/status", json={**body, "reason_code": "boredom"}, headers=civil),
        422,
        "credentials.reason.missing",
    )
    _problem(
        client.post(f"/api/v1/credentials/{number}/status", json=body, headers=civil), 409, "credentials.status.invalid"
    )
    _problem(
        client.post("/api/v1/credentials/XX-000000-2026-0000000000/status", json=body, headers=civil),
        404,
        "credentials.not_found",
    )
    listing = client.get("/api/v1/credentials/status-list").json()
    assert [(e["number"], e["status"], e["reason_code"]) for e in listing["entries"]] == [
        (number, "suspended", "under_investigation")
    ]
    assert "a complaint" not in json.dumps(listing)
    assert client.get(f"/api/v1/credentials/status-list?after={listing['next_after']}").json()["entries"] == []
    with platform.db.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == number)).all()
    assert "credentials.suspended" in actions


def test_materials_for_staff_with_a_reference(platform: Platform, client: Browser, people: People) -> None:
    with platform.uow() as uow:
        credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE)
    headers = _login(client, _clerk(platform, "ZJ-NR"))
    found = client.post(
        "/api/v1/credentials/materials",
        json={"subject": people.citizen_number, "type_code": "marriage_certificate", "reference": "A-2026-7"},
        headers=headers,
    )
    assert found.status_code == 200, found.text
    assert [m["type_code"] for m in found.json()] == ["marriage_certificate"]
    assert found.json()[0]["claims"]["holder_id"] == people.citizen_number[:6] + "********" + people.citizen_number[-4:]
    none = client.post(
        "/api/v1/credentials/materials",
        json={"subject": people.enterprise.credit_code, "type_code": "business_licence", "reference": "A-2026-8"},
        headers=headers,
    )
    assert none.json() == []
    _problem(
        client.post("/api/v1/credentials/materials", json={"subject": people.citizen_number}, headers=headers),
        422,
        "kernel.validation",
    )
    with platform.db.session() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "credentials.materials_lookup")).all()
    assert [a.detail["reference"] for a in audit] == ["A-2026-7", "A-2026-8"]
    assert people.citizen_number not in json.dumps([a.detail for a in audit])
    # citizens cannot look up other people's certificates
    client.post("/api/v1/auth/logout", headers=headers)
    citizen = _login(client, people.other_number)
    _problem(
        client.post(
            "/api/v1/credentials/materials",
            json={"subject": people.citizen_number, "reference": "x"},
            headers=citizen,
        ),
        403,
        "kernel.forbidden",
    )
    assert (
        client.get(f"/api/v1/me/credentials?enterprise={people.enterprise.credit_code}", headers=citizen).status_code
        == 404
    )


def test_the_offline_verifier_on_the_command_line(
    platform: Platform, client: Browser, people: People, tmp_path: Path
) -> None:
    with platform.uow() as uow:
        number = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE).number
        ledger.sign_head(uow, CERTIFICATE_LOG)
    headers = _login(client, people.citizen_number)
    payload = client.get(f"/api/v1/me/credentials/{number}", headers=headers).json()["payload"]
    keys = tmp_path / "keys.json"
    keys.write_text(client.get("/api/v1/credentials/issuers").text)
    proof = tmp_path / "proof.json"
    proof.write_text(client.get(f"/api/v1/credentials/{number}/proof").text)
    runner = CliRunner()
    ok = runner.invoke(
        cli_app, ["credentials", "verify", payload, "--keys", str(keys), "--proof", str(proof), "--today", "2026-11-20"]
    )
    assert ok.exit_code == 0, ok.output
    assert "VALID (valid)" in ok.output and "李华" in ok.output and "entry 0" in ok.output
    public_key = json.loads(keys.read_text())[0]["public_key"]
    zh = runner.invoke(
        cli_app, ["credentials", "verify", payload, "--public-key", public_key, "--lang", "zh", "--today", "2026-11-20"]
    )
    assert zh.exit_code == 0 and "此证照真实有效" in zh.output
    expired = runner.invoke(cli_app, ["credentials", "verify", payload, "--keys", str(keys), "--today", "2020-01-01"])
    assert expired.exit_code == 1 and "not_yet_valid" in expired.output
    garbage = runner.invoke(cli_app, ["credentials", "verify", "not a certificate", "--keys", str(keys)])
    assert garbage.exit_code == 1 and "malformed" in garbage.output
    no_keys = runner.invoke(cli_app, ["credentials", "verify", payload])
    assert no_keys.exit_code == 2
    as_json = runner.invoke(
        cli_app,
        [
            "credentials",
            "verify",
            "@" + str(_write(tmp_path, payload)),
            "--keys",
            str(keys),
            "--json",
            "--today",
            "2026-11-20",
        ],
    )
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["reason"] == "valid"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "payload.txt"
    path.write_text(text)
    return path
