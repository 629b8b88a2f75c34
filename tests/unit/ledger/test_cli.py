"""The offline commands: keygen, verify export, verify proof (no database, no settings)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, latest_head, prove_inclusion, sign_head
from onevisit.ledger.cli import ledger_app
from onevisit.ledger.export import export_to_file
from onevisit.ledger.schemas import InclusionProofOut
from onevisit.ledger.signing import read_seed_file

runner = CliRunner()


def test_keygen_writes_a_private_key_once(tmp_path: Path) -> None:
    key_file = tmp_path / "w.key"
    result = runner.invoke(ledger_app, ["keygen", "--key-file", str(key_file)])
    assert result.exit_code == 0 and len(result.stdout.strip()) == 64
    assert len(read_seed_file(key_file)) == 32 and (key_file.stat().st_mode & 0o777) == 0o600
    assert runner.invoke(ledger_app, ["keygen", "--key-file", str(key_file)]).exit_code == 2


def test_verify_commands_pass_honest_files_and_fail_tampered_ones(platform: Platform, tmp_path: Path) -> None:
    with platform.uow() as uow:
        append_many(uow, "receipts", [f"r{i}".encode() for i in range(30)])
        sign_head(uow, "receipts")
    export, proof_file = tmp_path / "r.jsonl", tmp_path / "proof.json"
    with platform.db.session() as session:
        export_to_file(session, "receipts", export)
        signed = latest_head(session, "receipts")
        bundle = InclusionProofOut.of(prove_inclusion(session, "receipts", 3, 30), signed)
    proof_file.write_text(bundle.model_dump_json())
    key = signed.public_key.hex()
    ok = runner.invoke(ledger_app, ["verify", "export", str(export), "--log-key", key, "--entry", "29"])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.stdout
    assert runner.invoke(ledger_app, ["verify", "proof", str(proof_file), "--log-key", key]).exit_code == 0
    text = export.read_text().replace('"data":"cjE1"', '"data":"cjE2"')  # entry 15: "r15" -> "r16"
    export.write_text(text)
    bad = runner.invoke(ledger_app, ["verify", "export", str(export), "--log-key", key])
    assert bad.exit_code == 1 and "ledger.entry.mismatch" in bad.output
    data = json.loads(proof_file.read_text())
    data["path"][0] = "00" * 32
    proof_file.write_text(json.dumps(data))
    bad = runner.invoke(ledger_app, ["verify", "proof", str(proof_file), "--log-key", key])
    assert bad.exit_code == 1 and "ledger.proof.invalid" in bad.output
