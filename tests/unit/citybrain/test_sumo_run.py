"""A real (short) SUMO run through the public runner and the benchmark command."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from onevisit.citybrain.traffic.bench import main
from onevisit.citybrain.traffic.controllers import make_controller
from onevisit.citybrain.traffic.runner import run

needs_libsumo = pytest.mark.skipif(
    importlib.util.find_spec("libsumo") is None,
    reason="libsumo not installed (optional 'traffic' extra): pip install libsumo",
)


@needs_libsumo
def test_short_cologne1_run_measures_trips(data_dir: Path) -> None:
    result = run(data_dir / "resco_cologne1", make_controller("adaptive"), seed=1, end=25500.0)
    assert result.backend == "libsumo"
    assert result.sumo_version.count(".") == 2
    assert result.trips > 100  # about 2,000 trips an hour enter this junction
    assert 0.0 < result.resco_delay < 120.0
    assert result.travel_time > 0.0


@needs_libsumo
def test_bench_writes_table_and_json(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b.json"
    args = ["--scenario", "cologne1", "--controller", "max-pressure", "--seeds", "1"]
    code = main([*args, "--duration", "200", "--out", str(out), "--data-dir", str(data_dir)])
    assert code == 0
    table = capsys.readouterr().out
    assert "cologne1" in table and "max-pressure" in table
    doc = json.loads(out.read_text())
    (row,) = doc["summary"]
    assert row["sumo_version"] and row["seeds"] == [1]


def test_bench_bad_input_is_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "atlantis", "--data-dir", str(tmp_path)]) == 2
    assert "no scenario 'atlantis'" in capsys.readouterr().err
    assert main(["--controller", "nope", "--data-dir", str(tmp_path)]) == 2
    assert "unknown controller 'nope'" in capsys.readouterr().err
    broken = tmp_path / "broken.sumocfg"
    broken.write_text("<configuration>")
    assert main(["--scenario", str(broken), "--controller", "fixed"]) == 2
    assert "not well-formed" in capsys.readouterr().err
