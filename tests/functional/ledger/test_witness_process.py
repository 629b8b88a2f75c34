"""`onevisit ledger witness run` as its own process, against a live server over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, latest_head, sign_head
from onevisit.ledger.merkle import leaf_hash
from onevisit.ledger.models import LedgerAlert, LedgerLog, LedgerNode
from onevisit.ledger.services import witnesses
from onevisit.ledger.signing import SigningKey, write_seed_file
from tests.common.liveserver import LiveServer

ONEVISIT = Path(sys.executable).with_name("onevisit")
pytestmark = pytest.mark.skipif(not ONEVISIT.exists(), reason="the onevisit script is not installed")


@pytest.fixture
def live(platform: Platform) -> Iterator[LiveServer]:
    with LiveServer(platform) as server:
        yield server


def _grow(platform: Platform, start: int, count: int) -> None:
    with platform.uow() as uow:
        append_many(uow, "evidence", [f"evidence-{i}".encode() for i in range(start, start + count)])
        sign_head(uow, "evidence")


def _witness(live: LiveServer, key_file: Path, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [
            str(ONEVISIT),
            *("ledger", "witness", "run", "--name", "zj-court", "--key-file", str(key_file)),
            *("--state-file", str(state), "--url", live.url, "--once"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_witness_process_cosigns_heads_and_refuses_a_rewritten_history(
    platform: Platform, live: LiveServer, tmp_path: Path
) -> None:
    key = SigningKey.generate()
    key_file, state = tmp_path / "court.key", tmp_path / "court.json"
    write_seed_file(key_file, key.seed())
    with platform.uow() as uow:
        witnesses.register_witness(uow, "zj-court", key.public)
    _grow(platform, 0, 8)

    run = _witness(live, key_file, state)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cosigned evidence size=8" in run.stdout
    with platform.db.session() as session:
        assert latest_head(session, "evidence").final
    assert json.loads(state.read_text())["logs"]["evidence"]["tree_size"] == 8

    _grow(platform, 8, 5)  # honest growth: co-signed again
    run = _witness(live, key_file, state)
    assert run.returncode == 0 and "cosigned evidence size=13" in run.stdout, run.stdout + run.stderr

    # someone with the database password rewrites the first 8 entries' subtree, then the log grows
    with platform.uow() as uow:
        log = uow.session.scalar(select(LedgerLog).where(LedgerLog.name == "evidence"))
        assert log is not None
        node = uow.session.scalar(
            select(LedgerNode).where(LedgerNode.log_id == log.id, LedgerNode.level == 3, LedgerNode.idx == 0)
        )
        assert node is not None
        node.hash = leaf_hash(b"forged")
        uow.session.flush()
        from onevisit.ledger.services.proofs import root_at

        log.root_hash = root_at(uow.session, "evidence", log.tree_size)
    _grow(platform, 13, 3)

    run = _witness(live, key_file, state)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "refused evidence size=16 ledger.head.inconsistent" in run.stdout
    with platform.db.session() as session:
        alert = session.scalar(select(LedgerAlert))
        assert alert is not None and alert.kind == "ledger.head.inconsistent"
        assert alert.detail["trusted_tree_size"] == 13
        assert not latest_head(session, "evidence").final
    assert json.loads(state.read_text())["logs"]["evidence"]["tree_size"] == 13  # still the last trusted head
