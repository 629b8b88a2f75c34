"""Scenario and network loading: good files give the right topology, bad ones clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.interface import build_layout
from onevisit.citybrain.traffic.network import load_network, load_scenario
from tests.unit.citybrain.nets import tiny_net_text


def _code(exc: pytest.ExceptionInfo[TrafficError]) -> TrafficErrorCode:
    return exc.value.code


def test_tiny_network_topology(tiny_net: Path) -> None:
    net = load_network(tiny_net)
    signal = net.signals["j"]
    assert signal.greens == ("Gr", "rG")
    assert signal.durations == (20.0, 10.0)
    assert signal.yellow == 4.0
    assert net.lanes["in_0"].predecessors == ("up_0",)
    layout = build_layout(net)
    assert layout.ids == ("j",)
    assert set(layout.in_lanes) == {"in_0", "side_0"}
    assert layout.out_lanes == ("out_0",)
    # phase 0 serves in_0 only, phase 1 side_0 only
    served = {
        p: {layout.in_lanes[layout.mov_in[0, m]] for m in range(2) if layout.phase_mov[0, p, m]} for p in range(2)
    }
    assert served == {0: {"in_0"}, 1: {"side_0"}}


def test_network_without_signals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.net.xml"
    path.write_text(tiny_net_text(signals=False))
    with pytest.raises(TrafficError) as exc:
        load_network(path)
    assert _code(exc) is TrafficErrorCode.NO_SIGNALS
    assert "no traffic-light" in exc.value.message


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(TrafficError) as exc:
        load_scenario(tmp_path / "nope.sumocfg")
    assert _code(exc) is TrafficErrorCode.SCENARIO_NOT_FOUND
    bad = tmp_path / "bad.sumocfg"
    bad.write_text("<configuration><input>")
    with pytest.raises(TrafficError) as exc:
        load_scenario(bad)
    assert _code(exc) is TrafficErrorCode.SCENARIO_MALFORMED
    dangling = tmp_path / "dangling.sumocfg"
    dangling.write_text(
        '<configuration><input><net-file value="x.net.xml"/><route-files value="r.rou.xml"/></input></configuration>'
    )
    with pytest.raises(TrafficError) as exc:
        load_scenario(dangling)
    assert _code(exc) is TrafficErrorCode.SCENARIO_NOT_FOUND
    assert "x.net.xml" in exc.value.message
    not_net = tmp_path / "n.net.xml"
    not_net.write_text("<routes/>")
    with pytest.raises(TrafficError) as exc:
        load_network(not_net)
    assert _code(exc) is TrafficErrorCode.SCENARIO_MALFORMED


def test_real_scenarios_load(data_dir: Path) -> None:
    expected = {"resco_cologne1": 1, "resco_cologne8": 8, "resco_ingolstadt7": 7, "hangzhou4x4": 16}
    for folder, signals in expected.items():
        scenario = load_scenario(data_dir / folder)
        net = load_network(scenario.net_file)
        assert len(net.signals) == signals, folder
        assert scenario.end - scenario.begin == 3600
    ingolstadt = load_network(data_dir / "resco_ingolstadt7" / "ingolstadt7.net.xml")
    # the phase sumo-rl comments out must be here: that signal has 4 distinct greens
    cluster = next(s for k, s in ingolstadt.signals.items() if k.startswith("cluster_306484187"))
    assert len(cluster.greens) == 4
