"""Generated grid networks, for measuring decision time at city scale without a simulator.

Hangzhou's City Brain runs about 1,300 signals; a 36 x 36 grid of four-leg junctions (1,296
signals, three lanes per approach: left, through, right-and-through) has the same count and the
usual NEMA-like four-phase programs. The net is built directly as :class:`.network.Network`, so the
timing covers only controller code, which is what must fit in the control step.
"""

from __future__ import annotations

import numpy as np

from onevisit.citybrain.traffic.interface import ETA_BINS, Layout, Observation
from onevisit.citybrain.traffic.network import Lane, Network, Signal

# Approach directions and, for each, the direction that turning left/straight/right leads to.
_DIRS = ("N", "E", "S", "W")
_STEP = {"N": (0, 1), "E": (1, 0), "S": (0, -1), "W": (-1, 0)}
_TURN = {"left": 3, "straight": 0, "right": 1}
# Green phases: (approach, lane) pairs given green; left turns protected, rights with throughs.
_PHASES = (
    (("N", 1), ("N", 2), ("S", 1), ("S", 2)),
    (("N", 0), ("S", 0)),
    (("E", 1), ("E", 2), ("W", 1), ("W", 2)),
    (("E", 0), ("W", 0)),
)


def _lane(x: int, y: int, heading: str, k: int) -> str:
    """Lane ``k`` of the road entering junction (x, y) travelling ``heading``."""
    return f"{x}_{y}_{heading}_{k}"


def grid_network(cols: int, rows: int, length: float = 200.0) -> Network:
    """A ``cols`` x ``rows`` grid of signalised junctions with boundary roads on every side."""
    net = Network()
    succ: dict[str, list[str]] = {}
    signals: dict[str, Signal] = {}
    for x in range(cols):
        for y in range(rows):
            links: list[tuple[tuple[str, str], ...]] = []
            index: dict[tuple[str, int], list[int]] = {}
            for heading in _DIRS:
                for k in range(3):
                    src = _lane(x, y, heading, k)
                    turns = ("left",) if k == 0 else ("straight",) if k == 1 else ("straight", "right")
                    for turn in turns:
                        out = _DIRS[(_DIRS.index(heading) + _TURN[turn]) % 4]
                        ox, oy = _STEP[out]
                        dst = _lane(x + ox, y + oy, out, k)
                        succ.setdefault(src, []).append(dst)
                        index.setdefault((heading, k), []).append(len(links))
                        links.append(((src, dst),))
            states = []
            for phase in _PHASES:
                greens = {i for key in phase for i in index[key]}
                states.append("".join("G" if i in greens else "r" for i in range(len(links))))
            sid = f"J{x}_{y}"
            signals[sid] = Signal(sid, tuple(links), tuple(states), (30.0, 10.0, 30.0, 10.0), 3.0)
    pred: dict[str, list[str]] = {}
    for src, dsts in succ.items():
        for dst in dsts:
            pred.setdefault(dst, []).append(src)
    for lane_id in set(succ) | set(pred):
        net.lanes[lane_id] = Lane(lane_id, length, 13.9, tuple(succ.get(lane_id, ())), tuple(pred.get(lane_id, ())))
    net.signals = signals
    return net


def random_observation(layout: Layout, rng: np.random.Generator, time: float) -> Observation:
    """Plausible detector readings: a few queued and approaching vehicles per lane."""
    n, n_in, n_out = layout.size, len(layout.in_lanes), len(layout.out_lanes)
    return Observation(
        time=time,
        phase=rng.integers(0, layout.n_phases),
        phase_age=rng.uniform(0, 60, n).round(),
        in_transition=rng.random(n) < 0.1,
        in_queue=rng.poisson(3.0, n_in).astype(np.float64),
        in_approach=rng.poisson(1.0, (n_in, len(ETA_BINS))).astype(np.float64),
        out_queue=rng.poisson(2.0, n_out).astype(np.float64),
    )
