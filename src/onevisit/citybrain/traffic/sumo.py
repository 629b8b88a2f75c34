"""Drive SUMO through libsumo (in-process) or TraCI (a ``sumo`` subprocess) with the same code.

libsumo wheels exist only from SUMO 1.14, but published RESCO figures were measured on 1.9.1, which
only TraCI can drive; both expose the same module API, so :class:`Simulation` takes either. All
per-step data arrives through subscriptions, one round trip per step, which keeps TraCI usable.
The simulator is one producer of :class:`.interface.Observation`; a street feed is another.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.interface import Ints, Layout, Observation
from onevisit.citybrain.traffic.network import GREEN, Network, Scenario
from onevisit.citybrain.traffic.sensing import HALT_SPEED, Detectors

# TraCI constants (stable since SUMO 1.0): subscription variable ids.
VAR_DEPARTED_IDS = 0x74
VAR_LANE_ID = 0x51
VAR_LANE_POSITION = 0x56
VAR_SPEED = 0x40


@dataclass(frozen=True)
class Backend:
    """Which SUMO binding to use; ``binary`` only for TraCI."""

    kind: str
    module: ModuleType
    binary: str


def _sumo_package_dir() -> Path | None:
    spec = importlib.util.find_spec("sumo")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_backend(prefer: str = "auto", binary: str | None = None) -> Backend:
    """libsumo when importable (and not refused), otherwise TraCI with a ``sumo`` binary.

    The binary comes from ``binary``, ``$ONEVISIT_SUMO_BINARY``, the ``eclipse-sumo`` package
    (``sumo/bin/sumo``, bypassing its 1.9.1 wrapper, which is broken), ``$SUMO_HOME/bin`` or PATH.
    """
    if prefer not in {"auto", "libsumo", "traci"}:
        raise TrafficError(
            TrafficErrorCode.SIMULATOR_UNAVAILABLE,
            f"unknown SUMO backend {prefer!r}; use auto, libsumo or traci",
        )
    if prefer in {"auto", "libsumo"} and binary is None:
        try:
            return Backend("libsumo", importlib.import_module("libsumo"), "sumo")
        except ImportError:
            if prefer == "libsumo":
                raise TrafficError(
                    TrafficErrorCode.SIMULATOR_UNAVAILABLE,
                    "libsumo is not installed; install the 'traffic' extra (pip install libsumo)",
                ) from None
    pkg = _sumo_package_dir()
    home = Path(os.environ["SUMO_HOME"]) if "SUMO_HOME" in os.environ else pkg
    candidates = [binary, os.environ.get("ONEVISIT_SUMO_BINARY")]
    candidates += [str(d / "bin" / "sumo") for d in (pkg, home) if d is not None]
    candidates.append(shutil.which("sumo"))
    found = next((c for c in candidates if c and Path(c).is_file()), None)
    if found is None:
        raise TrafficError(
            TrafficErrorCode.SIMULATOR_UNAVAILABLE,
            "no SUMO found: install libsumo, or eclipse-sumo, or set ONEVISIT_SUMO_BINARY",
        )
    try:
        traci = importlib.import_module("traci")
    except ImportError:
        tools = Path(found).resolve().parent.parent / "tools"
        if not (tools / "traci").is_dir():
            raise TrafficError(
                TrafficErrorCode.SIMULATOR_UNAVAILABLE,
                f"found {found} but no traci module beside it; pip install traci",
            ) from None
        sys.path.insert(0, str(tools))
        traci = importlib.import_module("traci")
    return Backend("traci", traci, found)


def _transition(a: str, b: str) -> str:
    """Yellow for links green in ``a`` and not in ``b``; the rest keep ``a``'s state."""
    return "".join("y" if x in GREEN and y not in GREEN else x for x, y in zip(a, b, strict=True))


class Simulation:
    """One SUMO run with our signals in charge; use as a context manager."""

    def __init__(
        self,
        scenario: Scenario,
        net: Network,
        layout: Layout,
        *,
        seed: int,
        backend: Backend,
        tripinfo: Path | None = None,
        end: float | None = None,
        all_red: float = 0.0,
        clear_box: float = 0.0,
    ) -> None:
        """``all_red``: seconds of red after each yellow (experimental; 0 is the RESCO protocol).

        ``clear_box``: after the yellow, hold red while vehicles stand still inside the junction box,
        for at most this many seconds (see :attr:`.interface.Observation.box`); 0 disables it.
        """
        self.scenario, self.layout, self.backend = scenario, layout, backend
        self.all_red = all_red
        self.clear_box = clear_box
        self._red: dict[int, str] = {}
        self._box_of = {lane: i for i, lanes in enumerate(layout.box_lanes) for lane in lanes}
        self.box = np.zeros(layout.size)
        self.red_held = np.zeros(layout.size)
        self.end = scenario.end if end is None else min(end, scenario.end)
        self.detectors = Detectors(net, layout)
        self.traci: Any = backend.module
        cmd = [backend.binary, "-c", str(scenario.config), "--seed", str(seed)]
        cmd += ["--time-to-teleport", "-1", "--no-step-log", "true", "--no-warnings", "true"]
        cmd += ["--duration-log.disable", "true", "--end", str(self.end)]
        # Without a local schema copy SUMO 1.9.1 fetches XSDs from the web and fails offline.
        cmd += ["--xml-validation", "never"]
        if tripinfo is not None:
            cmd += ["--tripinfo-output", str(tripinfo), "--tripinfo-output.write-unfinished", "true"]
        quiet = {"stdout": subprocess.DEVNULL} if backend.kind == "traci" else {}
        try:
            self.traci.start(cmd, **quiet)
        except Exception as exc:  # libsumo and traci raise their own exception classes
            raise TrafficError(
                TrafficErrorCode.SIMULATOR_FAILED, f"SUMO could not load {scenario.config}: {exc}"
            ) from None
        self.version = str(self.traci.getVersion()[1]).removeprefix("SUMO ").strip()
        self.time = float(self.traci.simulation.getTime())
        n = layout.size
        self.phase = np.zeros(n, dtype=np.int64)
        self.green_since = np.full(n, self.time)
        self.yellow_left = np.zeros(n)
        self.traci.simulation.subscribe([VAR_DEPARTED_IDS])
        for i, sid in enumerate(layout.ids):
            self.traci.trafficlight.setRedYellowGreenState(sid, layout.phase_states[i][0])

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop SUMO; tripinfo (with unfinished vehicles) is written now."""
        with contextlib.suppress(Exception):  # closing twice or after a crash is harmless
            self.traci.close()

    @property
    def done(self) -> bool:
        return self.time >= self.end

    def observe(self) -> Observation:
        """Read every virtual detector from the current vehicle positions."""
        results: dict[str, dict[int, Any]] = self.traci.vehicle.getAllSubscriptionResults()
        index = self.detectors.lane_index
        rows = np.fromiter((index.get(r[VAR_LANE_ID], -1) for r in results.values()), np.int64, len(results))
        pos = np.fromiter((r[VAR_LANE_POSITION] for r in results.values()), float, len(results))
        spd = np.fromiter((r[VAR_SPEED] for r in results.values()), float, len(results))
        in_q, in_a, out_q = self.detectors.read(rows, pos, spd)
        box_of = self._box_of
        inside = [
            box_of[lane] for r in results.values() if (lane := r[VAR_LANE_ID]) in box_of and r[VAR_SPEED] < HALT_SPEED
        ]
        self.box = np.bincount(np.asarray(inside, dtype=np.int64), minlength=self.layout.size).astype(float)
        transition = (self.yellow_left > 0) | (self.red_held > 0)
        return Observation(
            time=self.time,
            phase=self.phase.copy(),
            phase_age=np.where(transition, 0.0, self.time - self.green_since),
            in_transition=transition,
            in_queue=in_q,
            in_approach=in_a,
            out_queue=out_q,
            box=self.box.copy(),
        )

    def apply(self, target: Ints) -> None:
        """Start the transition to ``target`` wherever it differs and no yellow is running."""
        change = np.flatnonzero((target != self.phase) & (self.yellow_left <= 0) & (self.red_held <= 0))
        valid = self.layout.n_phases
        for i in change:
            new = int(target[i])
            if not 0 <= new < valid[i]:
                continue
            states = self.layout.phase_states[i]
            yellow = _transition(states[int(self.phase[i])], states[new])
            self.phase[i] = new
            if "y" in yellow and self.layout.yellow[i] > 0:
                self.traci.trafficlight.setRedYellowGreenState(self.layout.ids[i], yellow)
                self.yellow_left[i] = self.layout.yellow[i] + self.all_red
                if self.all_red > 0 or self.clear_box > 0:
                    self._red[int(i)] = yellow.replace("y", "r")
            else:
                self._green(int(i))

    def _green(self, i: int) -> None:
        sid = self.layout.ids[i]
        self.traci.trafficlight.setRedYellowGreenState(sid, self.layout.phase_states[i][self.phase[i]])
        self.green_since[i] = self.time

    def step(self) -> None:
        """Advance one second, finish yellows that ran out, and watch newly departed vehicles."""
        try:
            self.traci.simulationStep()
        except Exception as exc:
            raise TrafficError(TrafficErrorCode.SIMULATOR_FAILED, f"SUMO stopped at t={self.time}: {exc}") from None
        self.time = float(self.traci.simulation.getTime())
        running = self.yellow_left > 0
        self.yellow_left[running] -= 1.0
        for k in list(self._red):
            if 0 < self.yellow_left[k] <= self.all_red:  # yellow over: clear the junction
                sid = self.layout.ids[k]
                self.traci.trafficlight.setRedYellowGreenState(sid, self._red.pop(k))
        finishing = (running & (self.yellow_left <= 0)) | (self.red_held > 0)
        if self.clear_box > 0:
            # Vehicles still inside the box (a left turner that waited for a gap, one yielding to
            # it) would meet the next phase's traffic there and lock the junction: keep red.
            hold = finishing & (self.box > 0) & (self.red_held < self.clear_box)
            for j in map(int, np.flatnonzero(hold & (self.red_held <= 0))):
                if j in self._red:
                    self.traci.trafficlight.setRedYellowGreenState(self.layout.ids[j], self._red[j])
            self.red_held = np.where(hold, self.red_held + 1.0, 0.0)
            finishing &= ~hold
        for i in np.flatnonzero(finishing):
            self._red.pop(int(i), None)
            self._green(int(i))
        departed = self.traci.simulation.getSubscriptionResults().get(VAR_DEPARTED_IDS, ())
        for vid in departed:
            self.traci.vehicle.subscribe(vid, [VAR_LANE_ID, VAR_LANE_POSITION, VAR_SPEED])
