"""Turn vehicle positions into the lane detector readings of :mod:`.interface`.

This is a virtual detector: it measures what a stop-line camera plus advance loops would. Queues are
counted over a fixed distance upstream of the stop line, following lanes back across unsignalised
junctions, because a lane can be shorter than one car (0.9 m at Ingolstadt's gneJ143): reading only
the lane itself starves such approaches and gridlocks max-pressure. A vehicle on an upstream lane
that splits is shared equally between the lanes it may turn into.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from onevisit.citybrain.traffic.interface import ETA_BINS, Floats, Ints, Layout
from onevisit.citybrain.traffic.network import Network

#: Metres upstream (and downstream) of a stop line that a virtual detector sees.
SENSING_DISTANCE_M = 200.0
#: SUMO counts a vehicle as halting below this speed.
HALT_SPEED = 0.1


@dataclass(frozen=True)
class _Reach:
    """For every observed SUMO lane, the detector lanes it feeds: CSR arrays."""

    start: Ints  # [lanes+1]
    target: Ints  # [entries]
    offset: Floats  # [entries] metres between this lane and the detector lane
    weight: Floats  # [entries]


def _walk(
    net: Network, roots: Iterable[str], upstream: bool, stop: set[str], distance: float
) -> list[list[tuple[str, float, float]]]:
    """Per root lane: (lane, offset, weight) within ``distance``, not passing lanes in ``stop``."""
    result: list[list[tuple[str, float, float]]] = []
    for root in roots:
        found: dict[str, tuple[float, float]] = {root: (0.0, 1.0)}
        frontier = [(root, 0.0, 1.0)]
        while frontier:
            lane_id, off, w = frontier.pop()
            lane = net.lanes[lane_id]
            if not upstream and lane_id in stop:
                continue  # the next signal's queue counts, but not what lies beyond it
            for other_id in lane.predecessors if upstream else lane.successors:
                if upstream and other_id in stop:
                    continue  # waiting at another signal: not arriving here soon
                other = net.lanes[other_id]
                splits = len(other.successors) if upstream else len(lane.successors)
                o_off, o_w = off + lane.length, w / max(splits, 1)
                if o_off >= distance or other_id in found:
                    continue
                found[other_id] = (o_off, o_w)
                frontier.append((other_id, o_off, o_w))
        result.append([(lid, off, w) for lid, (off, w) in found.items()])
    return result


def _csr(lane_ids: dict[str, int], walks: list[list[tuple[str, float, float]]]) -> _Reach:
    per_lane: list[list[tuple[int, float, float]]] = [[] for _ in lane_ids]
    for target, walk in enumerate(walks):
        for lane, off, w in walk:
            per_lane[lane_ids[lane]].append((target, off, w))
    start = np.zeros(len(lane_ids) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(e) for e in per_lane])
    flat = [e for entries in per_lane for e in entries]
    return _Reach(
        start=start,
        target=np.array([e[0] for e in flat], dtype=np.int64),
        offset=np.array([e[1] for e in flat], dtype=np.float64),
        weight=np.array([e[2] for e in flat], dtype=np.float64),
    )


class Detectors:
    """Virtual detectors for a layout; :meth:`read` is vectorised over all vehicles."""

    def __init__(self, net: Network, layout: Layout, distance: float = SENSING_DISTANCE_M) -> None:
        self.distance = distance
        self.n_in, self.n_out = len(layout.in_lanes), len(layout.out_lanes)
        controlled = set(layout.in_lanes) | {src for s in net.signals.values() for link in s.links for src, _ in link}
        up = _walk(net, layout.in_lanes, True, controlled, distance)
        down = _walk(net, layout.out_lanes, False, controlled, distance)
        seen = {lane for walk in up + down for lane, _, _ in walk}
        self.lane_index = {lane: i for i, lane in enumerate(sorted(seen))}
        self.length = np.array([net.lanes[lane].length for lane in self.lane_index])
        self._up = _csr(self.lane_index, up)
        self._down = _csr(self.lane_index, down)

    def read(self, lane_rows: Ints, positions: Floats, speeds: Floats) -> tuple[Floats, Floats, Floats]:
        """Vehicles given by lane row (``-1`` for unobserved), position on lane and speed.

        Returns ``(in_queue, in_approach, out_queue)`` as defined in :class:`.interface.Observation`.
        """
        keep = lane_rows >= 0
        rows, pos, spd = lane_rows[keep], positions[keep], speeds[keep]
        in_q = np.zeros(self.n_in)
        in_a = np.zeros(self.n_in * len(ETA_BINS))
        out_q = np.zeros(self.n_out)
        if rows.size == 0:
            return in_q, in_a.reshape(self.n_in, -1), out_q
        halted = spd < HALT_SPEED
        veh, entry = self._expand(self._up, rows)
        dist = self._up.offset[entry] + self.length[rows[veh]] - pos[veh]
        w = self._up.weight[entry] * (dist <= self.distance)
        tgt = self._up.target[entry]
        h = halted[veh]
        in_q += np.bincount(tgt[h], weights=w[h], minlength=self.n_in)
        eta = dist[~h] / np.maximum(spd[veh][~h], HALT_SPEED)
        b = np.searchsorted(np.asarray(ETA_BINS), eta, side="right")
        ok = b < len(ETA_BINS)
        flat = tgt[~h][ok] * len(ETA_BINS) + b[ok]
        in_a += np.bincount(flat, weights=w[~h][ok], minlength=in_a.size)
        veh, entry = self._expand(self._down, rows)
        dist = self._down.offset[entry] + pos[veh]
        w = self._down.weight[entry] * (dist <= self.distance) * halted[veh]
        out_q += np.bincount(self._down.target[entry], weights=w, minlength=self.n_out)
        return in_q, in_a.reshape(self.n_in, -1), out_q

    @staticmethod
    def _expand(reach: _Reach, rows: Ints) -> tuple[Ints, Ints]:
        """Pair every vehicle with each detector entry of its lane (CSR gather)."""
        counts = reach.start[rows + 1] - reach.start[rows]
        veh = np.repeat(np.arange(rows.size), counts)
        first = np.repeat(reach.start[rows], counts)
        within = np.arange(veh.size) - np.repeat(np.cumsum(counts) - counts, counts)
        return veh, first + within
