"""Virtual detectors: queues are read upstream across short lanes, approaches binned by ETA."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from onevisit.citybrain.traffic.interface import build_layout
from onevisit.citybrain.traffic.network import load_network
from onevisit.citybrain.traffic.sensing import Detectors


def test_queue_counts_upstream_lane_within_distance(tiny_net: Path) -> None:
    net = load_network(tiny_net)
    layout = build_layout(net)
    det = Detectors(net, layout, distance=200.0)
    rows = np.array([det.lane_index[x] for x in ("in_0", "up_0", "up_0", "side_0", "out_0")])
    # positions along each lane; up_0 is 150 m long and ends where in_0 (100 m) starts
    pos = np.array([95.0, 140.0, 10.0, 50.0, 5.0])
    spd = np.array([0.0, 0.0, 0.0, 10.0, 0.0])
    in_q, in_a, out_q = det.read(rows, pos, spd)
    lane = {name: i for i, name in enumerate(layout.in_lanes)}
    # in_0: its own halted car (5 m) and the one 110 m up; the car 240 m away is out of range
    assert in_q[lane["in_0"]] == 2.0
    assert in_q[lane["side_0"]] == 0.0
    # side_0: moving 50 m from the stop line at 10 m/s -> ETA 5 s -> second bin (5-10 s)
    assert in_a[lane["side_0"]].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert out_q.tolist() == [1.0]


def test_unobserved_vehicles_are_ignored(tiny_net: Path) -> None:
    net = load_network(tiny_net)
    det = Detectors(net, build_layout(net))
    in_q, in_a, out_q = det.read(np.array([-1]), np.array([1.0]), np.array([0.0]))
    assert in_q.sum() == in_a.sum() == out_q.sum() == 0.0
