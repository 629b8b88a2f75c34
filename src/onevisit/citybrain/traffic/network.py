"""Read a SUMO scenario (``.sumocfg`` + ``.net.xml``) into plain Python, without a simulator.

Parsing the files ourselves, rather than asking a running SUMO, means the same topology serves every
SUMO version (1.9.1 over TraCI and current libsumo agree by construction), bad files are reported
before a simulator starts, and a live detector feed can be described by the very same net file.

The files are the operator's own scenario files, parsed by CPython 3.11's expat (>= 2.4), which
refuses entity-expansion bombs; defusedxml would add a dependency for no further protection here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode

GREEN = frozenset("Gg")
#: Clearance time used when a signal program has no yellow or stop phase to copy it from.
DEFAULT_YELLOW_S = 3.0


@dataclass(frozen=True)
class Scenario:
    """Where a scenario's files are and which simulated interval it covers."""

    name: str
    config: Path
    net_file: Path
    route_files: tuple[Path, ...]
    begin: float
    end: float


@dataclass(frozen=True)
class Lane:
    """A normal (non-internal) lane: its length and the lanes it connects to and from."""

    id: str
    length: float
    speed: float
    successors: tuple[str, ...] = ()
    predecessors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signal:
    """One signal-controlled junction: its links and the green phases of its own program.

    ``links[i]`` lists the (incoming lane, outgoing lane) pairs that signal index ``i`` governs.
    ``greens`` are the distinct green states of the program, in program order; ``durations`` their
    programmed lengths, used by the fixed-time controller to replay the net's own plan.
    """

    id: str
    links: tuple[tuple[tuple[str, str], ...], ...]
    greens: tuple[str, ...]
    durations: tuple[float, ...]
    yellow: float
    #: internal lanes of the junction(s) it controls: a vehicle there is inside the box
    box_lanes: tuple[str, ...] = ()


@dataclass
class Network:
    """The parts of a SUMO net that signal control needs."""

    lanes: dict[str, Lane] = field(default_factory=dict)
    signals: dict[str, Signal] = field(default_factory=dict)


def _fail(code: TrafficErrorCode, message: str) -> TrafficError:
    return TrafficError(code, message)


def _parse_xml(path: Path, what: str) -> ET.Element:
    if not path.is_file():
        raise _fail(TrafficErrorCode.SCENARIO_NOT_FOUND, f"{what} not found: {path}")
    try:
        return ET.parse(path).getroot()  # noqa: S314 - see module docstring
    except ET.ParseError as exc:
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{what} {path} is not well-formed XML ({exc})") from None


def _float(value: str | None, default: float, path: Path, name: str) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path}: {name}={value!r} is not a number") from None


def load_scenario(config: str | Path) -> Scenario:
    """Read a ``.sumocfg``; every referenced file must exist."""
    path = Path(config)
    if path.is_dir():
        found = sorted(path.glob("*.sumocfg"))
        if len(found) != 1:
            raise _fail(
                TrafficErrorCode.SCENARIO_NOT_FOUND,
                f"expected exactly one .sumocfg in {path}, found {len(found)}",
            )
        path = found[0]
    root = _parse_xml(path, "scenario configuration")

    def value(tag: str) -> str | None:
        node = root.find(f".//{tag}")
        return None if node is None else node.get("value")

    net = value("net-file")
    if not net:
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path} names no <net-file>")
    routes = [r.strip() for r in (value("route-files") or "").split(",") if r.strip()]
    if not routes:
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path} names no <route-files>")
    base = path.parent
    net_path = base / net
    route_paths = tuple(base / r for r in routes)
    for p in (net_path, *route_paths):
        if not p.is_file():
            raise _fail(TrafficErrorCode.SCENARIO_NOT_FOUND, f"{path} refers to missing file {p}")
    begin = _float(value("begin"), 0.0, path, "begin")
    end = _float(value("end"), begin + 3600.0, path, "end")
    if end <= begin:
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path}: end {end} is not after begin")
    name = path.name.removesuffix(".sumocfg")
    return Scenario(name, path, net_path, route_paths, begin, end)


def _signal(
    tl: ET.Element, links: dict[int, list[tuple[str, str]]], path: Path, box_lanes: tuple[str, ...] = ()
) -> Signal | None:
    tl_id = tl.get("id", "")
    states: list[tuple[str, float]] = []
    for ph in tl.findall("phase"):
        state = ph.get("state")
        if not state:
            raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path}: phase of {tl_id} has no state")
        states.append((state, _float(ph.get("duration"), 0.0, path, "duration")))
    greens: list[str] = []
    durations: list[float] = []
    clearance = [d for s, d in states if "y" in s.lower() or not GREEN & set(s)]
    for state, dur in states:
        if "y" in state.lower() or not GREEN & set(state) or state in greens:
            continue
        greens.append(state)
        durations.append(dur)
    width = max((len(s) for s, _ in states), default=0)
    if not greens or not links:
        return None
    return Signal(
        id=tl_id,
        links=tuple(tuple(links.get(i, ())) for i in range(width)),
        greens=tuple(greens),
        durations=tuple(durations),
        yellow=min(max(clearance), 6.0) if clearance else DEFAULT_YELLOW_S,
        box_lanes=box_lanes,
    )


def _lanes(root: ET.Element, path: Path) -> tuple[dict[str, tuple[float, float]], dict[str, list[str]]]:
    """Normal lanes' (length, speed), and per junction prefix (``:J``) its internal lanes."""
    lengths: dict[str, tuple[float, float]] = {}
    internal: dict[str, list[str]] = {}
    for edge in root.iter("edge"):
        if edge.get("function") == "internal":
            prefix = edge.get("id", "").rsplit("_", 1)[0]
            internal.setdefault(prefix, []).extend(lane.get("id", "") for lane in edge.iter("lane"))
        if edge.get("function") in {"internal", "crossing", "walkingarea"}:
            continue
        for lane in edge.iter("lane"):
            lid = lane.get("id", "")
            lengths[lid] = (
                _float(lane.get("length"), 0.0, path, "length"),
                _float(lane.get("speed"), 13.9, path, "speed"),
            )
    return lengths, internal


def load_network(net_file: str | Path) -> Network:
    """Parse a ``.net.xml``; raise ``NO_SIGNALS`` when no junction has a usable signal program."""
    path = Path(net_file)
    root = _parse_xml(path, "network file")
    if root.tag != "net":
        raise _fail(TrafficErrorCode.SCENARIO_MALFORMED, f"{path} is not a SUMO network (<net>)")
    lengths, internal = _lanes(root, path)
    succ: dict[str, list[str]] = {lid: [] for lid in lengths}
    pred: dict[str, list[str]] = {lid: [] for lid in lengths}
    tl_links: dict[str, dict[int, list[tuple[str, str]]]] = {}
    tl_boxes: dict[str, set[str]] = {}  # signal -> junction prefixes its links pass through
    for con in root.iter("connection"):
        src = f"{con.get('from')}_{con.get('fromLane')}"
        dst = f"{con.get('to')}_{con.get('toLane')}"
        if src not in lengths or dst not in lengths:
            continue
        succ[src].append(dst)
        pred[dst].append(src)
        tl, index = con.get("tl"), con.get("linkIndex")
        if tl is not None and index is not None:
            tl_links.setdefault(tl, {}).setdefault(int(index), []).append((src, dst))
            via = con.get("via")
            if via:
                tl_boxes.setdefault(tl, set()).add(via.rsplit("_", 2)[0])
    net = Network()
    for lid, (length, speed) in lengths.items():
        net.lanes[lid] = Lane(lid, length, speed, tuple(succ[lid]), tuple(pred[lid]))
    for logic in root.iter("tlLogic"):
        tl_id = logic.get("id", "")
        if tl_id in net.signals:
            continue  # the first program is the one SUMO runs by default
        box = tuple(lane for prefix in sorted(tl_boxes.get(tl_id, ())) for lane in internal.get(prefix, ()))
        signal = _signal(logic, tl_links.get(tl_id, {}), path, box)
        if signal is not None:
            net.signals[tl_id] = signal
    if not net.signals:
        raise _fail(
            TrafficErrorCode.NO_SIGNALS,
            f"{path} has no traffic-light junction with a green phase; nothing to control",
        )
    return net
