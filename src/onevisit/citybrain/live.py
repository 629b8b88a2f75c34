"""A simulation published live: SUMO runs a scenario under a controller and writes its state.

``onevisit citybrain live --scenario cologne1`` runs :func:`run_live` in its own process (libsumo
allows one simulation per process, and a web worker should not carry one). Every simulated second
it writes a small JSON document (:func:`snapshot`) to a state file, atomically (write, then
rename); the web app reads that file for the City Brain page and ``/api/v1/citybrain/live``. The
file is the whole interface, so the page works with any number of web workers and survives the
simulator's restart.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from onevisit.citybrain.traffic import (
    Layout,
    Observation,
    build_layout,
    load_network,
    load_scenario,
    make_controller,
)
from onevisit.citybrain.traffic.bench import default_data_dir, resolve_scenario
from onevisit.citybrain.traffic.runner import RESCO_YELLOW_S
from onevisit.citybrain.traffic.sumo import Backend, Simulation, find_backend

#: Where the live simulation publishes its state unless this variable says otherwise.
STATE_ENV = "ONEVISIT_CITYBRAIN_LIVE_FILE"
#: A state older than this (wall seconds) means the simulator has stopped publishing.
STALE_AFTER_S = 10.0


def state_file() -> Path:
    """``$ONEVISIT_CITYBRAIN_LIVE_FILE``, else ``var/citybrain-live.json`` under the working folder."""
    return Path(os.environ.get(STATE_ENV) or Path("var") / "citybrain-live.json")


def signal_lanes(layout: Layout) -> list[list[int]]:
    """Per signal, the indices of its incoming lanes (into ``layout.in_lanes``)."""
    return [
        sorted({int(m) for m, w in zip(layout.mov_in[i], layout.mov_weight[i], strict=True) if w > 0})
        for i in range(layout.size)
    ]


def snapshot(
    layout: Layout, obs: Observation, states: list[str], meta: dict[str, Any], lanes: list[list[int]]
) -> dict[str, Any]:
    """The published document: per signal its phase, light state, queues (vehicles) per lane."""
    signals = []
    for i, sid in enumerate(layout.ids):
        queues = {layout.in_lanes[k]: round(float(obs.in_queue[k]), 1) for k in lanes[i]}
        signals.append(
            {
                "id": sid,
                "phase": int(obs.phase[i]),
                "phases": int(layout.n_phases[i]),
                "state": states[i],
                "in_transition": bool(obs.in_transition[i]),
                "phase_age": round(float(obs.phase_age[i]), 1),
                "queue": round(sum(queues.values()), 1),
                "lanes": {lane: q for lane, q in queues.items() if q > 0},
            }
        )
    return {**meta, "time": float(obs.time), "updated_at": datetime.now(UTC).isoformat(), "signals": signals}


def write_state(path: Path, doc: dict[str, Any]) -> None:
    """Replace ``path`` atomically, so a reader never sees half a document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":")))
    tmp.replace(path)


def read_state(path: Path | None = None) -> dict[str, Any] | None:
    """The last published state, with ``stale`` set when the simulator stopped; None if there is none."""
    path = path or state_file()
    try:
        doc = json.loads(path.read_text())
        age = time.time() - path.stat().st_mtime
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    doc["stale"] = bool(age > STALE_AFTER_S or not doc.get("running", False))
    return doc


@dataclass(frozen=True)
class LiveOptions:
    scenario: str
    controller: str = "adaptive"
    seed: int = 1
    #: simulated seconds per wall second; 0 runs as fast as it can
    speed: float = 1.0
    #: stop after this many simulated seconds (None: the scenario's end)
    duration: float | None = None


def run_live(
    options: LiveOptions,
    path: Path | None = None,
    *,
    backend: Backend | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run the simulation, publishing every simulated second; returns the seconds simulated.

    Raises :class:`~onevisit.citybrain.traffic.TrafficError` for a bad scenario, controller or a
    missing simulator, before anything is published.
    """
    path = path or state_file()
    scenario = load_scenario(resolve_scenario(options.scenario, default_data_dir()))
    net = load_network(scenario.net_file)
    controller = make_controller(options.controller)
    layout = build_layout(net)
    if not getattr(controller, "replays_program", False):
        layout = replace(layout, yellow=np.full(layout.size, RESCO_YELLOW_S))
    controller.reset(layout)
    lanes = signal_lanes(layout)
    backend = backend or find_backend()
    end = None if options.duration is None else scenario.begin + options.duration
    steps = 0
    with Simulation(
        scenario,
        net,
        layout,
        seed=options.seed,
        backend=backend,
        end=end,
        clear_box=float(getattr(controller, "clear_box_s", 0.0)),
    ) as sim:
        meta = {
            "scenario": scenario.name,
            "controller": controller.name,
            "seed": options.seed,
            "sumo_version": sim.version,
            "begin": scenario.begin,
            "end": sim.end,
            "running": True,
        }
        started = time.monotonic()
        doc: dict[str, Any] = {}
        while not sim.done and not (stop is not None and stop.is_set()):
            obs = sim.observe()
            states = [sim.traci.trafficlight.getRedYellowGreenState(sid) for sid in layout.ids]
            doc = snapshot(layout, obs, states, meta, lanes)
            write_state(path, doc)
            sim.apply(controller.decide(obs))
            sim.step()
            steps += 1
            if options.speed > 0:
                delay = started + steps / options.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        if doc:
            write_state(path, {**doc, "running": False, "updated_at": datetime.now(UTC).isoformat()})
    return steps
