"""``onevisit datahub import`` reports good and bad rows; a malformed file writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from onevisit.cli import app
from onevisit.datahub import cli as datahub_cli
from onevisit.kernel.platform import Platform
from tests.unit.datahub.conftest import Hub


def test_import_command(platform: Platform, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datahub_cli, "_platform", lambda: platform)
    good = tmp_path / "titles.csv"
    good.write_text(
        f"id_number,certificate_no,area_m2\n{hub.id_number},浙1号,10\n{hub.id_number},浙2号,x\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["datahub", "import", "nr.title", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 of 2 rows loaded" in result.output and "line 3: area_m2: not a number" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("certificate_no\n浙1号\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["datahub", "import", "nr.title", str(bad)])
    assert (
        result.exit_code == 1 and "datahub.import.malformed" in result.output and "Nothing was written" in result.output
    )
    result = CliRunner().invoke(app, ["datahub", "anchor"])
    assert result.exit_code == 0 and "anchored" in result.output
    result = CliRunner().invoke(app, ["datahub", "quality"])
    assert result.exit_code == 0 and "0 open conflicts" in result.output  # the new titles carry no address
