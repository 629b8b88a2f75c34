"""The junction box: parsed from the net, reported by the simulator, and used to clear it."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from onevisit.citybrain.traffic import build_layout, load_network, load_scenario
from onevisit.citybrain.traffic.controllers import AdaptivePressure, make_controller
from onevisit.citybrain.traffic.runner import run
from onevisit.citybrain.traffic.sumo import Simulation, find_backend

needs_libsumo = pytest.mark.skipif(
    importlib.util.find_spec("libsumo") is None,
    reason="libsumo not installed (optional 'traffic' extra): pip install libsumo",
)


def test_every_signal_knows_its_internal_lanes(data_dir: Path) -> None:
    net = load_network(data_dir / "resco_cologne1" / "cologne1.net.xml")
    (signal,) = net.signals.values()
    assert len(signal.box_lanes) == 28
    assert all(lane.startswith(":cluster_357187_359543_") for lane in signal.box_lanes)
    layout = build_layout(net)
    assert layout.box_lanes == (signal.box_lanes,)


def test_adaptive_asks_for_box_clearance_and_max_pressure_does_not() -> None:
    assert AdaptivePressure().clear_box_s > 0
    assert getattr(make_controller("max-pressure"), "clear_box_s", 0.0) == 0.0


@needs_libsumo
def test_red_is_held_while_vehicles_stand_in_the_box(data_dir: Path) -> None:
    scenario = load_scenario(data_dir / "resco_cologne1")
    net = load_network(scenario.net_file)
    layout = build_layout(net)
    layout = replace(layout, yellow=np.full(layout.size, 3.0))
    held = 0
    with Simulation(
        scenario, net, layout, seed=5, backend=find_backend(), end=scenario.begin + 900, clear_box=6.0
    ) as sim:
        controller = make_controller("adaptive")
        controller.reset(layout)
        while not sim.done:
            obs = sim.observe()
            assert obs.box.shape == (1,)
            if sim.red_held[0] > 0:
                held += 1
                assert obs.in_transition[0]
                assert sim.red_held[0] <= 6.0
            sim.apply(controller.decide(obs))
            sim.step()
    assert held > 0  # seed 5 is the one that deadlocked without clearance


@needs_libsumo
def test_cologne1_seed5_no_longer_gridlocks(data_dir: Path) -> None:
    result = run(data_dir / "resco_cologne1", make_controller("adaptive"), seed=5, end=27000.0)
    assert result.resco_delay < 60.0  # it was over 1,000 s when the junction locked
