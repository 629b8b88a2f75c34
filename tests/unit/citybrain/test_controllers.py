"""Controllers decide what a traffic engineer would expect on hand-made detector readings."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from onevisit.citybrain.traffic.controllers import CONTROLLERS, make_controller
from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.gridnet import grid_network, random_observation
from onevisit.citybrain.traffic.interface import (
    IntersectionReading,
    Layout,
    build_layout,
    observation_from_readings,
)
from onevisit.citybrain.traffic.network import load_network


def _layout(tiny_net: Path) -> Layout:
    return build_layout(load_network(tiny_net))


def _reading(
    phase: int, age: float, main: float, side: float, side_moving: float = 0.0
) -> dict[str, IntersectionReading]:
    return {
        "j": IntersectionReading(
            phase=phase,
            phase_age=age,
            queues={"in_0": main, "side_0": side},
            approaching={"side_0": [side_moving, 0.0, 0.0, 0.0]},
        )
    }


def test_unknown_controller_is_a_clear_error() -> None:
    with pytest.raises(TrafficError) as exc:
        make_controller("deep-magic")
    assert exc.value.code is TrafficErrorCode.UNKNOWN_CONTROLLER
    assert "max-pressure" in exc.value.message


def test_max_pressure_serves_the_longer_queue_on_its_clock(tiny_net: Path) -> None:
    layout = _layout(tiny_net)
    mp = make_controller("max-pressure")
    mp.reset(layout)
    early = observation_from_readings(layout, 0.0, _reading(0, 4.0, main=1, side=6))
    assert mp.decide(early).tolist() == [0]  # not yet time to decide
    due = observation_from_readings(layout, 0.0, _reading(0, 10.0, main=1, side=6))
    assert mp.decide(due).tolist() == [1]
    balanced = observation_from_readings(layout, 0.0, _reading(0, 10.0, main=3, side=3))
    assert mp.decide(balanced).tolist() == [0]  # a tie keeps the green


def test_fixed_time_follows_the_plan(tiny_net: Path) -> None:
    layout = _layout(tiny_net)
    fixed = make_controller("fixed")
    fixed.reset(layout)
    assert fixed.decide(observation_from_readings(layout, 0, _reading(0, 19.0, 9, 9))).tolist() == [0]
    assert fixed.decide(observation_from_readings(layout, 0, _reading(0, 20.0, 0, 0))).tolist() == [1]
    assert fixed.decide(observation_from_readings(layout, 0, _reading(1, 10.0, 0, 0))).tolist() == [0]


def test_adaptive_holds_a_flowing_green_and_gaps_out(tiny_net: Path) -> None:
    layout = _layout(tiny_net)
    ctrl = make_controller("adaptive")
    ctrl.reset(layout)
    reading = {
        "j": IntersectionReading(phase=0, phase_age=8.0, queues={"side_0": 3.0}, approaching={"in_0": [2, 1, 0, 0]})
    }
    # platoon still crossing on green and the rival queue is not dominant: keep
    assert ctrl.decide(observation_from_readings(layout, 1.0, reading)).tolist() == [0]
    gapped = {"j": IntersectionReading(phase=0, phase_age=8.0, queues={"side_0": 1.0})}
    assert ctrl.decide(observation_from_readings(layout, 2.0, gapped)).tolist() == [1]
    too_young = {"j": IntersectionReading(phase=0, phase_age=2.0, queues={"side_0": 9.0})}
    assert ctrl.decide(observation_from_readings(layout, 3.0, too_young)).tolist() == [0]


def test_every_controller_handles_a_whole_grid() -> None:
    layout = build_layout(grid_network(4, 3))
    rng = np.random.default_rng(1)
    for name in CONTROLLERS:
        ctrl = make_controller(name)
        ctrl.reset(layout)
        for t in range(30):
            phases = ctrl.decide(random_observation(layout, rng, float(t)))
            assert phases.shape == (12,)
            assert ((phases >= 0) & (phases < layout.n_phases)).all(), name


def test_adaptive_decides_1300_signals_within_10_ms() -> None:
    layout = build_layout(grid_network(36, 36))
    assert layout.size == 1296
    ctrl = make_controller("adaptive")
    ctrl.reset(layout)
    rng = np.random.default_rng(0)
    observations = [random_observation(layout, rng, float(t)) for t in range(40)]
    timings = []
    for obs in observations:
        started = time.perf_counter()
        ctrl.decide(obs)
        timings.append(time.perf_counter() - started)
    assert float(np.median(timings)) < 0.010


def test_readings_for_unknown_signal_or_lane_are_rejected(tiny_net: Path) -> None:
    layout = _layout(tiny_net)
    with pytest.raises(TrafficError) as exc:
        observation_from_readings(layout, 0.0, {"nope": IntersectionReading(0, 0.0)})
    assert exc.value.code is TrafficErrorCode.BAD_OBSERVATION
    with pytest.raises(TrafficError) as exc:
        observation_from_readings(layout, 0.0, {"j": IntersectionReading(0, 0.0, {"zz": 1.0})})
    assert "zz" in exc.value.message
    with pytest.raises(TrafficError):
        observation_from_readings(layout, 0.0, {"j": IntersectionReading(7, 0.0)})
