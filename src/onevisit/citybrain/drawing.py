"""The network as an SVG drawing: lane centre lines from the SUMO net, signals at their stop lines.

Coordinates are SUMO's (metres, y up), shifted and flipped into an SVG ``viewBox`` (y down). The
page draws every normal lane; lanes a signal controls carry ``data-lane`` so the live script can
colour them by queue, and each signal is a circle with ``data-signal``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from onevisit.citybrain.traffic import TrafficError, TrafficErrorCode, build_layout, load_network

#: Nets larger than this many lanes are drawn with only the lanes signals control.
MAX_DRAWN_LANES = 20_000
MARGIN_M = 20.0


@dataclass(frozen=True)
class DrawnLane:
    id: str
    points: str  # "x,y x,y ..." in viewBox units
    controlled: bool


@dataclass(frozen=True)
class DrawnSignal:
    id: str
    x: float
    y: float


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    lanes: tuple[DrawnLane, ...]
    signals: tuple[DrawnSignal, ...]

    @property
    def stroke(self) -> float:
        """A lane width that stays visible however large the net is."""
        return round(max(self.width, self.height) / 400.0 + 1.0, 2)


def _points(shape: str) -> list[tuple[float, float]]:
    pts = []
    for pair in shape.split():
        x, _, y = pair.partition(",")
        pts.append((float(x), float(y.split(",")[0])))
    return pts


@lru_cache(maxsize=8)
def draw_network(net_file: Path) -> Drawing:
    """Parse ``net_file`` once (cached) into a drawing; raises ``TrafficError`` on a bad net."""
    net = load_network(net_file)
    layout = build_layout(net)
    controlled = set(layout.in_lanes)
    root = ET.parse(net_file).getroot()  # noqa: S314 - the operator's own net, already parsed above
    shapes: dict[str, list[tuple[float, float]]] = {}
    for edge in root.iter("edge"):
        if edge.get("function") in {"internal", "crossing", "walkingarea"}:
            continue
        for lane in edge.iter("lane"):
            lid, shape = lane.get("id", ""), lane.get("shape")
            if shape and lid in net.lanes:
                try:
                    shapes[lid] = _points(shape)
                except ValueError:
                    raise TrafficError(
                        TrafficErrorCode.SCENARIO_MALFORMED, f"{net_file}: lane {lid} has a malformed shape"
                    ) from None
    if len(shapes) > MAX_DRAWN_LANES:
        shapes = {k: v for k, v in shapes.items() if k in controlled}
    xs = [x for pts in shapes.values() for x, _ in pts] or [0.0]
    ys = [y for pts in shapes.values() for _, y in pts] or [0.0]
    x0, y1 = min(xs) - MARGIN_M, max(ys) + MARGIN_M
    width, height = max(xs) + MARGIN_M - x0, y1 - (min(ys) - MARGIN_M)

    def fmt(pts: list[tuple[float, float]]) -> str:
        return " ".join(f"{x - x0:.1f},{y1 - y:.1f}" for x, y in pts)

    lanes = tuple(DrawnLane(lid, fmt(pts), lid in controlled) for lid, pts in sorted(shapes.items()))
    signals = []
    for i, sid in enumerate(layout.ids):
        ends = [shapes[layout.in_lanes[m]][-1] for m in set(layout.mov_in[i].tolist()) if layout.in_lanes[m] in shapes]
        if ends:
            cx = sum(x for x, _ in ends) / len(ends)
            cy = sum(y for _, y in ends) / len(ends)
            signals.append(DrawnSignal(sid, round(cx - x0, 1), round(y1 - cy, 1)))
    return Drawing(round(width, 1), round(height, 1), lanes, tuple(signals))
