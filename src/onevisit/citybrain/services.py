"""Live control areas: a layout, a controller, the latest reading of every junction, a decision.

A *control area* is what a city runs one controller over: the signals of one SUMO net (a
scenario's, so the page and the simulator agree) or a layout sent as JSON. Detector feeds post
:class:`~onevisit.citybrain.traffic.IntersectionReading` snapshots; each post updates the junctions
it names, the controller decides for the whole area at once, and the decision is kept for
whoever asks. The controller gets exactly what it gets in simulation, so it cannot tell the two
apart.

Areas live in the memory of the process that serves them: readings are telemetry, refreshed
every second, not records, so they are neither stored nor audited one by one. Registering an
area is logged (``onevisit.citybrain``). Run one serving process per set of areas.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from onevisit.citybrain.errors import (
    CityBrainConflict,
    CityBrainError,
    CityBrainInputError,
    CityBrainNotFound,
    from_traffic,
)
from onevisit.citybrain.traffic import (
    Controller,
    IntersectionReading,
    Layout,
    TrafficError,
    build_layout,
    decisions_by_id,
    load_network,
    load_scenario,
    make_controller,
    observation_from_readings,
)
from onevisit.citybrain.traffic.bench import default_data_dir, resolve_scenario
from onevisit.citybrain.traffic.network import Lane, Network, Signal
from onevisit.kernel.i18n import N_

log = logging.getLogger("onevisit.citybrain")

#: Limits that keep one request from exhausting the process.
MAX_AREAS = 64
MAX_SIGNALS_PER_LAYOUT = 2000
MAX_PHASES = 16


@dataclass(frozen=True)
class PhaseSpec:
    """One green phase of a JSON layout: the (incoming lane, outgoing lane) movements it serves."""

    movements: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SignalSpec:
    id: str
    phases: tuple[PhaseSpec, ...]
    yellow: float = 3.0


@dataclass
class Area:
    """One controller over one layout, with the last reading per junction and the last decision."""

    name: str
    source: str
    layout: Layout
    controller: Controller
    readings: dict[str, IntersectionReading] = field(default_factory=dict)
    time: float | None = None
    decision: dict[str, int] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def network_from_specs(signals: Sequence[SignalSpec]) -> Network:
    """A :class:`Network` from plain phase lists, for cities that describe junctions without SUMO."""
    if not signals:
        raise CityBrainInputError(CityBrainError.AREA_INVALID, N_("A layout needs at least one signal."))
    if len(signals) > MAX_SIGNALS_PER_LAYOUT:
        raise CityBrainInputError(
            CityBrainError.AREA_INVALID,
            N_("A layout may have at most %(max)s signals."),
            params={"max": MAX_SIGNALS_PER_LAYOUT},
        )
    net = Network()
    for spec in signals:
        if spec.id in net.signals:
            raise CityBrainInputError(
                CityBrainError.AREA_INVALID, N_("Signal %(id)s appears twice."), params={"id": spec.id}
            )
        if not spec.phases or len(spec.phases) > MAX_PHASES or not all(p.movements for p in spec.phases):
            raise CityBrainInputError(
                CityBrainError.AREA_INVALID,
                N_("Signal %(id)s needs 1 to %(max)s phases, each serving at least one movement."),
                params={"id": spec.id, "max": MAX_PHASES},
            )
        links = sorted({m for p in spec.phases for m in p.movements})
        column = {m: k for k, m in enumerate(links)}
        states = []
        for phase in spec.phases:
            chars = ["r"] * len(links)
            for m in phase.movements:
                chars[column[m]] = "G"
            states.append("".join(chars))
        for src, dst in links:
            for lane in (src, dst):
                net.lanes.setdefault(lane, Lane(lane, 100.0, 13.89))
        net.signals[spec.id] = Signal(
            id=spec.id,
            links=tuple((m,) for m in links),
            greens=tuple(dict.fromkeys(states)),
            durations=tuple(30.0 for _ in dict.fromkeys(states)),
            yellow=spec.yellow,
        )
    return net


def scenario_network(scenario: str, data_dir: Path | None = None) -> Network:
    """The net of a named scenario (``cologne1``) or of a ``.sumocfg`` path."""
    try:
        config = load_scenario(resolve_scenario(scenario, data_dir or default_data_dir()))
        return load_network(config.net_file)
    except TrafficError as exc:
        raise from_traffic(exc) from None


class AreaRegistry:
    """The control areas one process serves; safe to use from several request threads."""

    def __init__(self) -> None:
        self._areas: dict[str, Area] = {}
        self._lock = threading.Lock()

    def register(self, name: str, net: Network, controller: str, source: str) -> Area:
        try:
            ctl = make_controller(controller)
        except TrafficError as exc:
            raise from_traffic(exc) from None
        layout = build_layout(net)
        ctl.reset(layout)
        area = Area(name=name, source=source, layout=layout, controller=ctl)
        with self._lock:
            if name in self._areas:
                raise CityBrainConflict(
                    CityBrainError.AREA_EXISTS, N_("A control area named %(name)s exists."), params={"name": name}
                )
            if len(self._areas) >= MAX_AREAS:
                raise CityBrainConflict(
                    CityBrainError.AREA_INVALID,
                    N_("This process serves at most %(max)s control areas."),
                    params={"max": MAX_AREAS},
                )
            self._areas[name] = area
        log.info("control area %s registered: %d signals, controller %s", name, layout.size, ctl.name)
        return area

    def get(self, name: str) -> Area:
        area = self._areas.get(name)
        if area is None:
            raise CityBrainNotFound(
                CityBrainError.AREA_UNKNOWN, N_("No control area named %(name)s."), params={"name": name}
            )
        return area

    def all(self) -> list[Area]:
        return sorted(self._areas.values(), key=lambda a: a.name)

    def submit(self, name: str, time: float, readings: Mapping[str, IntersectionReading]) -> dict[str, int]:
        """Record readings taken at ``time`` and return the controller's phase for every signal."""
        area = self.get(name)
        with area.lock:
            if area.time is not None and time < area.time:
                raise CityBrainConflict(
                    CityBrainError.READING_STALE,
                    N_("Readings at %(time)s are older than the last ones (%(last)s)."),
                    params={"time": time, "last": area.time},
                )
            merged = {**area.readings, **readings}
            try:
                obs = observation_from_readings(area.layout, time, merged)
            except TrafficError as exc:
                raise from_traffic(exc) from None
            phases = area.controller.decide(obs)
            area.readings, area.time = merged, time
            area.decision = decisions_by_id(area.layout, np.asarray(phases))
            return area.decision

    def decision(self, name: str) -> tuple[float, dict[str, int]]:
        area = self.get(name)
        with area.lock:
            if area.decision is None or area.time is None:
                raise CityBrainNotFound(
                    CityBrainError.DECISION_NONE,
                    N_("Control area %(name)s has had no readings yet."),
                    params={"name": name},
                )
            return area.time, dict(area.decision)


def phase_movements(layout: Layout, index: int) -> list[list[list[str]]]:
    """Per phase of signal ``index``: the [incoming, outgoing] lane pairs it gives green."""
    out: list[list[list[str]]] = []
    for p in range(int(layout.n_phases[index])):
        movs = np.flatnonzero(layout.phase_mov[index, p] > 0)
        out.append(
            [[layout.in_lanes[layout.mov_in[index, m]], layout.out_lanes[layout.mov_out[index, m]]] for m in movs]
        )
    return out


__all__ = ["Area", "AreaRegistry", "PhaseSpec", "SignalSpec", "network_from_specs", "phase_movements"]
