"""The controller contract: detector state in, one green phase per signal out.

A controller never learns whether its observations come from SUMO or from loops on a street. It
sees a :class:`Layout` once (which lanes each signal's phases serve) and then, every control
second, an :class:`Observation`: per incoming lane the halted queue and the moving vehicles binned
by time to reach the stop line; per outgoing lane the halted queue; per signal the current green
phase and how long it has been green. Everything is a flat numpy array over all signals at once, so
one call decides a whole city; :class:`IntersectionReading` is the plain, JSON-shaped form a live
feed (or an HTTP client) sends for one junction, and :func:`observation_from_readings` packs those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.network import GREEN, Network

#: Upper edges (seconds) of the time-to-arrival bins for approaching vehicles; beyond the last, unseen.
ETA_BINS: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Layout:
    """Static description of the controlled signals, padded into arrays for vectorised decisions.

    Shapes: ``N`` signals, ``P`` phases (max over signals), ``M`` movements (incoming lane ->
    outgoing lane pairs, max over signals). Padding entries are masked by ``phase_valid`` and a zero
    ``mov_weight``; ``mov_weight`` is 1/(movements leaving the same lane) so a lane's queue counts
    once per phase however many turns it feeds.
    """

    ids: tuple[str, ...]
    in_lanes: tuple[str, ...]
    out_lanes: tuple[str, ...]
    phase_states: tuple[tuple[str, ...], ...]
    phase_valid: Bools  # [N, P]
    phase_mov: Floats  # [N, P, M] 1.0 where the phase gives the movement green
    mov_in: Ints  # [N, M] index into in_lanes
    mov_out: Ints  # [N, M] index into out_lanes
    mov_weight: Floats  # [N, M]
    durations: Floats  # [N, P] programmed green durations (fixed-time plan)
    yellow: Floats  # [N]
    in_speed: Floats = field(default_factory=lambda: np.zeros(0))  # [L_in] speed limit, m/s
    #: internal (junction-box) lanes per signal; a vehicle there has passed the stop line
    box_lanes: tuple[tuple[str, ...], ...] = ()

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def n_phases(self) -> Ints:
        counts: Ints = self.phase_valid.sum(axis=1).astype(np.int64)
        return counts


@dataclass
class Observation:
    """Detector state of every signal at one instant (see module docstring for the meaning)."""

    time: float
    phase: Ints  # [N] current (or, during yellow, upcoming) green phase
    phase_age: Floats  # [N] seconds since that green began; 0 during yellow
    in_transition: Bools  # [N] yellow running: the decision is ignored there
    in_queue: Floats  # [L_in] halted vehicles within the sensing distance upstream
    in_approach: Floats  # [L_in, len(ETA_BINS)] moving vehicles by time to stop line
    out_queue: Floats  # [L_out] halted vehicles within the sensing distance downstream
    #: [N] vehicles standing still inside each junction (past the stop line, not yet on an exit)
    box: Floats = field(default_factory=lambda: np.zeros(0))


class Controller(Protocol):
    """Anything that maps observations to target green phases for all signals of a layout."""

    name: str

    def reset(self, layout: Layout) -> None:
        """Forget all state and prepare for ``layout``."""

    def decide(self, obs: Observation) -> Ints:
        """Return the wanted green phase per signal; a change starts the yellow transition."""


def require_layout(layout: Layout | None) -> Layout:
    """The layout a controller was reset with; deciding before ``reset`` is a programming error."""
    if layout is None:
        raise RuntimeError("controller used before reset(layout)")
    return layout


def build_layout(net: Network, signal_ids: Sequence[str] | None = None) -> Layout:
    """Pad every signal's movements and green phases into the arrays of :class:`Layout`."""
    ids = tuple(signal_ids) if signal_ids is not None else tuple(sorted(net.signals))
    signals = [net.signals[i] for i in ids]
    in_index: dict[str, int] = {}
    out_index: dict[str, int] = {}
    movs: list[list[tuple[str, str]]] = []
    for sig in signals:
        pairs = sorted({pair for link in sig.links for pair in link})
        movs.append(pairs)
        for src, dst in pairs:
            in_index.setdefault(src, len(in_index))
            out_index.setdefault(dst, len(out_index))
    n = len(ids)
    p_max = max((len(s.greens) for s in signals), default=1)
    m_max = max((len(m) for m in movs), default=1)
    phase_valid = np.zeros((n, p_max), dtype=np.bool_)
    phase_mov = np.zeros((n, p_max, m_max))
    mov_in = np.zeros((n, m_max), dtype=np.int64)
    mov_out = np.zeros((n, m_max), dtype=np.int64)
    mov_weight = np.zeros((n, m_max))
    durations = np.zeros((n, p_max))
    for i, (sig, pairs) in enumerate(zip(signals, movs, strict=True)):
        col = {pair: k for k, pair in enumerate(pairs)}
        degree: dict[str, int] = {}
        for src, _ in pairs:
            degree[src] = degree.get(src, 0) + 1
        for k, (src, dst) in enumerate(pairs):
            mov_in[i, k], mov_out[i, k] = in_index[src], out_index[dst]
            mov_weight[i, k] = 1.0 / degree[src]
        for p, state in enumerate(sig.greens):
            phase_valid[i, p] = True
            durations[i, p] = sig.durations[p]
            for link_index, char in enumerate(state):
                if char in GREEN and link_index < len(sig.links):
                    for pair in sig.links[link_index]:
                        phase_mov[i, p, col[pair]] = 1.0
    in_speed = np.array([net.lanes[lane].speed for lane in in_index])
    return Layout(
        ids=ids,
        in_lanes=tuple(in_index),
        out_lanes=tuple(out_index),
        phase_states=tuple(s.greens for s in signals),
        phase_valid=phase_valid,
        phase_mov=phase_mov,
        mov_in=mov_in,
        mov_out=mov_out,
        mov_weight=mov_weight,
        durations=durations,
        yellow=np.array([s.yellow for s in signals]),
        in_speed=in_speed,
        box_lanes=tuple(s.box_lanes for s in signals),
    )


@dataclass(frozen=True)
class IntersectionReading:
    """What a live feed reports for one junction; lanes it omits count as empty.

    ``approaching[lane]`` holds one count per :data:`ETA_BINS` bin; ``box`` is the number of
    vehicles standing still inside the junction (a camera over the box; 0 if there is none).
    """

    phase: int
    phase_age: float
    queues: Mapping[str, float] = field(default_factory=dict)
    approaching: Mapping[str, Sequence[float]] = field(default_factory=dict)
    downstream: Mapping[str, float] = field(default_factory=dict)
    box: float = 0.0


def _bad(message: str) -> TrafficError:
    return TrafficError(TrafficErrorCode.BAD_OBSERVATION, message)


def observation_from_readings(layout: Layout, time: float, readings: Mapping[str, IntersectionReading]) -> Observation:
    """Pack per-junction readings into one :class:`Observation`; unknown ids are rejected."""
    index = {sid: i for i, sid in enumerate(layout.ids)}
    in_index = {lane: i for i, lane in enumerate(layout.in_lanes)}
    out_index = {lane: i for i, lane in enumerate(layout.out_lanes)}
    n = layout.size
    obs = Observation(
        time=time,
        phase=np.zeros(n, dtype=np.int64),
        phase_age=np.zeros(n),
        in_transition=np.zeros(n, dtype=np.bool_),
        in_queue=np.zeros(len(layout.in_lanes)),
        in_approach=np.zeros((len(layout.in_lanes), len(ETA_BINS))),
        out_queue=np.zeros(len(layout.out_lanes)),
        box=np.zeros(n),
    )
    n_phases = layout.n_phases
    for sid, reading in readings.items():
        if sid not in index:
            raise _bad(f"unknown signal {sid!r}")
        i = index[sid]
        if not 0 <= reading.phase < n_phases[i]:
            raise _bad(f"signal {sid!r} has phases 0..{n_phases[i] - 1}, not {reading.phase}")
        obs.phase[i], obs.phase_age[i], obs.box[i] = reading.phase, reading.phase_age, reading.box
        for lane, q in reading.queues.items():
            obs.in_queue[_lane(in_index, lane, sid)] = q
        for lane, bins in reading.approaching.items():
            if len(bins) != len(ETA_BINS):
                raise _bad(f"lane {lane!r}: expected {len(ETA_BINS)} approach bins")
            obs.in_approach[_lane(in_index, lane, sid)] = bins
        for lane, q in reading.downstream.items():
            obs.out_queue[_lane(out_index, lane, sid)] = q
    return obs


def _lane(index: Mapping[str, int], lane: str, sid: str) -> int:
    if lane not in index:
        raise _bad(f"signal {sid!r}: lane {lane!r} is not one of its lanes")
    return index[lane]


def decisions_by_id(layout: Layout, phases: Ints) -> dict[str, int]:
    """The plain form of a decision: signal id -> green phase index."""
    return {sid: int(p) for sid, p in zip(layout.ids, phases, strict=True)}
