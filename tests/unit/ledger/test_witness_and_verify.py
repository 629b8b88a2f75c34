"""Witnesses co-sign consistent heads and refuse rewritten history; the offline verifier
catches any changed byte in an export."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from onevisit.kernel.events import OutboxMessage
from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, latest_head, sign_head
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.export import export_to_file
from onevisit.ledger.merkle import leaf_hash, node_hash
from onevisit.ledger.models import LedgerAlert, LedgerEntry, LedgerLog, LedgerNode
from onevisit.ledger.signing import SigningKey, key_id
from onevisit.ledger.verify import verify_export, verify_proof
from onevisit.ledger.witness import DatabaseSource, ObservedHead
from tests.unit.ledger.conftest import db_source, make_witness


def _grow(platform: Platform, log: str, start: int, count: int) -> None:
    with platform.uow() as uow:
        append_many(uow, log, [f"{log}-{i}".encode() for i in range(start, start + count)])
        sign_head(uow, log)


def test_witness_cosigns_consistent_heads_and_the_head_becomes_final(platform: Platform, tmp_path: Path) -> None:
    witness = make_witness(platform, tmp_path)
    source = db_source(platform)
    _grow(platform, "receipts", 0, 5)
    assert [o.status for o in witness.check_all(source)] == ["cosigned"]
    _grow(platform, "receipts", 5, 11)
    outcome = witness.check(source, "receipts")
    assert (outcome.status, outcome.tree_size) == ("cosigned", 16)
    assert witness.check(source, "receipts").status == "unchanged"
    with platform.db.session() as session:
        signed = latest_head(session, "receipts")
    assert signed.final and [c.witness for c, _ in signed.cosignatures] == ["zj-court"]
    state = json.loads((tmp_path / "zj-court.json").read_text())
    assert state["logs"]["receipts"]["tree_size"] == 16


@pytest.mark.parametrize("rewrite", ["node", "leaf_and_nodes"])
def test_witness_refuses_a_rewritten_history_and_raises_an_alert(
    platform: Platform, tmp_path: Path, rewrite: str
) -> None:
    witness = make_witness(platform, tmp_path)
    source = db_source(platform)
    _grow(platform, "evidence", 0, 8)
    assert witness.check(source, "evidence").status == "cosigned"
    with platform.uow() as uow:
        log = uow.session.scalar(select(LedgerLog).where(LedgerLog.name == "evidence"))
        assert log is not None
        nodes = {
            (n.level, n.idx): n for n in uow.session.scalars(select(LedgerNode).where(LedgerNode.log_id == log.id))
        }
        if rewrite == "node":  # someone overwrites the stored hash of the first 8 entries
            nodes[(3, 0)].hash = leaf_hash(b"forged")
        else:  # a careful forger: changes entry 2 and recomputes every hash above it
            forged = leaf_hash(b"forged entry")
            uow.session.execute(
                update(LedgerEntry)
                .where(LedgerEntry.log_id == log.id, LedgerEntry.idx == 2)
                .values(data=b"forged entry", leaf_hash=forged)
            )
            leaf3 = uow.session.scalar(
                select(LedgerEntry.leaf_hash).where(LedgerEntry.log_id == log.id, LedgerEntry.idx == 3)
            )
            assert leaf3 is not None
            nodes[(1, 1)].hash = node_hash(forged, leaf3)
            nodes[(2, 0)].hash = node_hash(nodes[(1, 0)].hash, nodes[(1, 1)].hash)
            nodes[(3, 0)].hash = node_hash(nodes[(2, 0)].hash, nodes[(2, 1)].hash)
        log.root_hash = nodes[(3, 0)].hash
    _grow(platform, "evidence", 8, 4)
    outcome = witness.check(source, "evidence")
    assert outcome.status == "refused"
    assert outcome.code == LedgerError.HEAD_INCONSISTENT.value
    with platform.db.session() as session:
        alert = session.scalar(select(LedgerAlert))
        assert alert is not None and alert.kind == "ledger.head.inconsistent"
        assert alert.detail["trusted_tree_size"] == 8 and alert.detail["tree_size"] == 12
        assert session.scalar(select(OutboxMessage).where(OutboxMessage.name == "ledger.witness_alert")) is not None
        assert not latest_head(session, "evidence").final
    # the witness keeps trusting only what it verified, and keeps refusing
    _grow(platform, "evidence", 12, 1)
    assert witness.check(source, "evidence").status == "refused"
    assert json.loads((tmp_path / "zj-court.json").read_text())["logs"]["evidence"]["tree_size"] == 8


class _Impostor:
    """A log server that signs heads with a key of its own (or garbles its signature)."""

    def __init__(self, inner: DatabaseSource, *, garble: bool) -> None:
        self.inner, self.garble, self.key = inner, garble, SigningKey.generate()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def latest_head(self, log: str) -> ObservedHead:
        real = self.inner.latest_head(log)
        if self.garble:
            head = dataclasses.replace(real.head, signature=bytes(64))
            return ObservedHead(head, real.public_key)
        head = dataclasses.replace(real.head, log_id=key_id(self.key.public)).signed_with(self.key)
        return ObservedHead(head, self.key.public)


@pytest.mark.parametrize(("garble", "code"), [(False, LedgerError.KEY_MISMATCH), (True, LedgerError.SIGNATURE_INVALID)])
def test_witness_refuses_heads_not_signed_by_the_pinned_key(
    platform: Platform, tmp_path: Path, garble: bool, code: LedgerError
) -> None:
    witness = make_witness(platform, tmp_path)
    source = db_source(platform)
    _grow(platform, "certificates", 0, 3)
    assert witness.check(source, "certificates").status == "cosigned"
    _grow(platform, "certificates", 3, 1)
    outcome = witness.check(_Impostor(source, garble=garble), "certificates")  # type: ignore[arg-type]
    assert (outcome.status, outcome.code) == ("refused", code.value)
    with platform.db.session() as session:
        assert session.scalar(select(LedgerAlert.kind)) == code.value


@pytest.fixture
def exported(platform: Platform, tmp_path: Path) -> tuple[Path, bytes, dict[str, bytes]]:
    witness = make_witness(platform, tmp_path)
    for start, count in [(0, 10), (10, 23), (33, 100)]:
        _grow(platform, "receipts", start, count)
        witness.check(db_source(platform), "receipts")
    with platform.uow() as uow:
        append_many(uow, "receipts", [b"after the last head"])
    path = tmp_path / "receipts.jsonl"
    with platform.db.session() as session:
        assert export_to_file(session, "receipts", path) == 134
        key = latest_head(session, "receipts").public_key
    return path, key, {"zj-court": witness.key.public}


def test_verifier_accepts_an_honest_export(exported: tuple[Path, bytes, dict[str, bytes]]) -> None:
    path, key, witnesses = exported
    report = verify_export(path, log_key=key, witness_keys=witnesses, quorum=1, prove=[0, 9, 132])
    assert report.entries == 134 and [h.tree_size for h in report.heads] == [10, 33, 133]
    assert report.heads[-1].cosigned_by == ["zj-court"] and report.consistency_checks == 2
    assert report.unsigned_entries == 1
    with pytest.raises(LedgerInputError) as err:
        verify_export(path, log_key=key, witness_keys={}, quorum=1)
    assert err.value.code is LedgerError.QUORUM_NOT_MET
    with pytest.raises(LedgerInputError) as err:
        verify_export(path, log_key=bytes(32), witness_keys=witnesses)
    assert err.value.code is LedgerError.KEY_MISMATCH


def _flip(text: str, position: int) -> str:
    c = text[position]
    alphabet = (
        "0123456789abcdef"
        if c in "0123456789abcdef"
        else "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    )
    return text[:position] + alphabet[(alphabet.index(c) + 1) % len(alphabet)] + text[position + 1 :]


def test_a_changed_byte_anywhere_is_caught(exported: tuple[Path, bytes, dict[str, bytes]], tmp_path: Path) -> None:
    path, key, witnesses = exported
    lines = path.read_text().splitlines()
    targets: list[tuple[int, str]] = []
    for number, line in enumerate(lines[1:], start=1):
        item = json.loads(line)
        if item["type"] == "head":
            targets += [(number, "root_hash"), (number, "signature")]
            targets += [(number, "cosignature")]
        elif number % 9 == 0 or number >= len(lines) - 3:
            targets += [(number, "leaf_hash"), (number, "data")]
    assert len(targets) > 30
    for number, field in targets:
        item = json.loads(lines[number])
        if field == "cosignature":
            sig = item["cosignatures"][0]["signature"]
            item["cosignatures"][0]["signature"] = _flip(sig, 5)
        elif field == "data":
            raw = bytearray(base64.b64decode(item["data"]))
            raw[len(raw) // 2] ^= 0x01
            item["data"] = base64.b64encode(bytes(raw)).decode()
        else:
            item[field] = _flip(item[field], 7)
        broken = tmp_path / "broken.jsonl"
        broken.write_text("\n".join([*lines[:number], json.dumps(item), *lines[number + 1 :]]) + "\n")
        with pytest.raises(LedgerInputError) as err:
            verify_export(broken, log_key=key, witness_keys=witnesses)
        assert err.value.code in {
            LedgerError.ENTRY_MISMATCH,
            LedgerError.ROOT_MISMATCH,
            LedgerError.SIGNATURE_INVALID,
            LedgerError.EXPORT_MALFORMED,
        }, (number, field, err.value.code)


def test_a_consistently_rewritten_entry_is_caught_by_the_signed_root(
    exported: tuple[Path, bytes, dict[str, bytes]], tmp_path: Path
) -> None:
    path, key, witnesses = exported
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if '"index":20,' in line)
    item = json.loads(lines[number])
    item["data"] = base64.b64encode(b"forged").decode()
    item["leaf_hash"] = leaf_hash(b"forged").hex()
    lines[number] = json.dumps(item)
    broken = tmp_path / "forged.jsonl"
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(LedgerInputError) as err:
        verify_export(broken, log_key=key, witness_keys=witnesses)
    assert err.value.code is LedgerError.ROOT_MISMATCH
    for cut in (lines[:-1], [lines[0], *lines[2:]], [*lines[:40], lines[41], lines[40], *lines[42:]], ["{"]):
        broken.write_text("\n".join(cut) + "\n")
        with pytest.raises(LedgerInputError):
            verify_export(broken, log_key=key, witness_keys=witnesses)


def test_proof_bundles_verify_offline(platform: Platform, tmp_path: Path) -> None:
    from onevisit.ledger.schemas import InclusionProofOut
    from onevisit.ledger.services import heads, proofs

    _grow(platform, "receipts", 0, 50)
    with platform.db.session() as session:
        signed = heads.latest_head(session, "receipts")
        bundle = InclusionProofOut.of(proofs.prove_inclusion(session, "receipts", 17, 50), signed).model_dump()
    message = verify_proof(bundle, log_key=signed.public_key, data=b"receipts-17")
    assert "entry 17" in message
    with pytest.raises(LedgerInputError) as err:
        verify_proof(bundle, log_key=signed.public_key, data=b"receipts-18")
    assert err.value.code is LedgerError.ENTRY_MISMATCH
    bundle["index"] = 18
    with pytest.raises(LedgerInputError) as err:
        verify_proof(bundle, log_key=signed.public_key)
    assert err.value.code is LedgerError.PROOF_INVALID
    bundle["index"], bundle["head"]["signature"] = 17, ""
    with pytest.raises(LedgerInputError) as err:
        verify_proof(bundle, log_key=signed.public_key)
    assert err.value.code is LedgerError.SIGNATURE_MISSING
