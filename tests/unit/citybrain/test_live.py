"""The live runner: a short real SUMO run publishes state the page and API read back."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from onevisit.citybrain.drawing import draw_network
from onevisit.citybrain.live import LiveOptions, read_state, run_live, write_state
from onevisit.citybrain.traffic import TrafficError, TrafficErrorCode

needs_libsumo = pytest.mark.skipif(
    importlib.util.find_spec("libsumo") is None,
    reason="libsumo not installed (optional 'traffic' extra): pip install libsumo",
)


@needs_libsumo
def test_live_run_publishes_phases_and_queues(data_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "live.json"
    steps = run_live(LiveOptions("cologne8", "adaptive", seed=1, speed=0, duration=120), state)
    assert steps == 120
    doc = json.loads(state.read_text())
    assert doc["scenario"] == "cologne8" and doc["controller"] == "adaptive"
    assert doc["running"] is False and doc["sumo_version"].count(".") == 2
    assert doc["time"] == pytest.approx(25200 + 119)
    assert len(doc["signals"]) == 8
    for s in doc["signals"]:
        assert 0 <= s["phase"] < s["phases"]
        assert set(s["state"]) <= set("rRyYgGuos")
        assert s["queue"] >= 0
    assert read_state(state)["stale"] is True  # type: ignore[index]


def test_bad_scenario_is_refused_before_anything_is_published(tmp_path: Path) -> None:
    state = tmp_path / "live.json"
    with pytest.raises(TrafficError) as caught:
        run_live(LiveOptions(str(tmp_path / "atlantis.sumocfg")), state)
    assert caught.value.code is TrafficErrorCode.UNKNOWN_SCENARIO
    assert not state.exists()


def test_state_file_round_trip_and_corruption(tmp_path: Path) -> None:
    state = tmp_path / "live.json"
    assert read_state(state) is None
    write_state(state, {"running": True, "signals": []})
    doc = read_state(state)
    assert doc is not None and doc["stale"] is False
    state.write_text("{half")
    assert read_state(state) is None


def test_drawing_places_every_signal_inside_the_view(data_dir: Path) -> None:
    drawing = draw_network(data_dir / "resco_cologne8" / "cologne8.net.xml")
    assert len(drawing.signals) == 8
    assert any(lane.controlled for lane in drawing.lanes)
    for s in drawing.signals:
        assert 0 <= s.x <= drawing.width and 0 <= s.y <= drawing.height
