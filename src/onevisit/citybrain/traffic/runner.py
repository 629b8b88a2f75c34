"""Run one controller on one scenario with one seed and measure it."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from onevisit.citybrain.traffic.interface import Controller, build_layout
from onevisit.citybrain.traffic.metrics import figures, read_tripinfo, scheduled_departures
from onevisit.citybrain.traffic.network import load_network, load_scenario
from onevisit.citybrain.traffic.sumo import Backend, Simulation, find_backend

#: Yellow (clearance) seconds of the RESCO benchmark protocol, used for every map there.
RESCO_YELLOW_S = 3.0


@dataclass(frozen=True)
class RunResult:
    """The figures of one run, with what is needed to reproduce and judge them."""

    scenario: str
    controller: str
    seed: int
    yellow_s: float | None
    sumo_version: str
    backend: str
    resco_delay: float
    travel_time: float
    trips: int
    arrived: int
    never_departed: int
    wall_s: float
    decide_ms: float  # mean controller time per control step


def run(
    config: str | Path,
    controller: Controller,
    seed: int,
    *,
    backend: Backend | None = None,
    end: float | None = None,
    yellow: float | None = RESCO_YELLOW_S,
    all_red: float = 0.0,
) -> RunResult:
    """Simulate ``config`` under ``controller``; bad files raise :class:`.errors.TrafficError`.

    ``yellow`` is the clearance time our transitions use at every signal (``None``: each net's own).
    The default, 3 s, is the RESCO protocol under which the published figures were measured; a
    controller that replays the net's own plan (``replays_program``) keeps the plan's clearances.
    """
    scenario = load_scenario(config)
    net = load_network(scenario.net_file)
    scheduled = scheduled_departures(scenario.route_files)
    layout = build_layout(net)
    if yellow is not None and not getattr(controller, "replays_program", False):
        layout = replace(layout, yellow=np.full(layout.size, yellow))
    backend = backend or find_backend()
    controller.reset(layout)
    started = time.perf_counter()
    deciding = 0.0
    steps = 0
    with tempfile.TemporaryDirectory(prefix="onevisit-sumo-") as tmp:
        tripinfo = Path(tmp) / "tripinfo.xml"
        with Simulation(
            scenario,
            net,
            layout,
            seed=seed,
            backend=backend,
            tripinfo=tripinfo,
            end=end,
            all_red=all_red,
            clear_box=float(getattr(controller, "clear_box_s", 0.0)),
        ) as sim:
            version = sim.version
            stop = sim.end
            while not sim.done:
                obs = sim.observe()
                t0 = time.perf_counter()
                target = controller.decide(obs)
                deciding += time.perf_counter() - t0
                steps += 1
                sim.apply(target)
                sim.step()
        result = figures(read_tripinfo(tripinfo), scheduled, scenario.begin, stop)
    return RunResult(
        scenario=scenario.name,
        controller=controller.name,
        seed=seed,
        yellow_s=None if getattr(controller, "replays_program", False) else yellow,
        sumo_version=version,
        backend=backend.kind,
        resco_delay=result.resco_delay,
        travel_time=result.travel_time,
        trips=result.trips,
        arrived=result.arrived,
        never_departed=result.never_departed,
        wall_s=time.perf_counter() - started,
        decide_ms=1000.0 * deciding / max(steps, 1),
    )
