"""Proof by leaf hash over HTTP; witness alerts shown to staff in their language."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, sign_head
from onevisit.ledger.models import LedgerLog
from onevisit.ledger.services import witnesses
from onevisit.ledger.signing import SigningKey, parse_public_key
from onevisit.ledger.verify import verify_proof
from onevisit.ledger.witness import DatabaseSource, LogState, Witness, WitnessState
from tests.common.factories import make_clerk, make_department
from tests.functional.conftest import Browser

URL = "/api/v1/ledger/logs/receipts/proofs/inclusion-by-hash"


def _leaf(data: bytes) -> str:
    return hashlib.sha256(b"\x00" + data).hexdigest()


def test_a_receipt_holder_gets_a_proof_from_the_hash_alone(platform: Platform, client: Browser) -> None:
    with platform.uow() as uow:
        append_many(uow, "receipts", [f"receipt-{i}".encode() for i in range(30)])
        sign_head(uow, "receipts")
        append_many(uow, "receipts", [b"receipt-late"])  # not yet under a signed head
    key = parse_public_key(client.get("/api/v1/ledger/logs/receipts").json()["public_key"])
    body = client.get(URL, params={"leaf_hash": _leaf(b"receipt-17")}).json()
    assert (body["index"], body["tree_size"]) == (17, 30) and body["head"]["tree_size"] == 30
    assert "entry 17" in verify_proof(body, log_key=key, data=b"receipt-17")
    late = client.get(URL, params={"leaf_hash": _leaf(b"receipt-late")})
    assert late.status_code == 404 and late.json()["code"] == "ledger.entry.unknown"
    assert client.get(URL, params={"leaf_hash": _leaf(b"receipt-late"), "tree_size": 31}).json()["index"] == 30


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"leaf_hash": "zz" * 32}, 422, "ledger.proof.malformed"),
        ({"leaf_hash": "00" * 31}, 422, "kernel.validation"),
        ({}, 422, "kernel.validation"),
        ({"leaf_hash": "00" * 32}, 404, "ledger.entry.unknown"),
        ({"leaf_hash": "00" * 32, "tree_size": 99}, 422, "ledger.tree_size.invalid"),
    ],
)
def test_bad_lookups_get_precise_problems(
    platform: Platform, client: Browser, params: dict[str, object], status: int, code: str
) -> None:
    with platform.uow() as uow:
        append_many(uow, "receipts", [b"a", b"b", b"c"])
        sign_head(uow, "receipts")
    response = client.get(URL, params=params)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_staff_read_a_witness_refusal_in_their_language(platform: Platform, client: Browser, tmp_path: Path) -> None:
    key = SigningKey.generate()
    with platform.uow() as uow:
        witnesses.register_witness(uow, "zj-court", key.public)
        append_many(uow, "receipts", [b"a", b"b", b"c", b"d"])
        sign_head(uow, "receipts")
    witness = Witness("zj-court", key, WitnessState(tmp_path / "w.json"), clock=platform.clock)
    source = DatabaseSource(platform)
    assert witness.check(source, "receipts").status == "cosigned"
    with platform.db.session() as session:  # the witness saw 9 entries once: 4 now is a rollback
        log = session.scalar(select(LedgerLog).where(LedgerLog.name == "receipts"))
        assert log is not None
        witness.state.logs["receipts"] = LogState(log.public_key, 9, log.root_hash, 0)
    assert witness.check(source, "receipts").code == "ledger.head.rollback"
    department = make_department(platform)
    _, admin_number, _ = make_clerk(platform, department, role="department_admin", name="王处长")
    client.login(admin_number)
    zh = client.get("/staff/ledger", headers={"Accept-Language": "zh-CN"}).text
    assert "日志变短了（回滚）" in zh and "日志从 9 个条目缩减到了 4 个。" in zh and "ledger.head.rollback" in zh
    en = client.get("/staff/ledger", headers={"Accept-Language": "en"}).text
    assert "The log shrank (a rollback)" in en and "The log shrank from 9 to 4 entries." in en
