"""The benchmark: scenarios x controllers x seeds -> RESCO delay and travel time, per SUMO version.

``python -m onevisit.citybrain.traffic.bench --scenario cologne1 --controller adaptive --seeds 1-5``
prints a table and, with ``--out``, writes every run and the per-cell summary as JSON. The SUMO
version stands beside every figure because the same files give 8-25 % different delays on
different versions. The CLI (``onevisit citybrain bench``) calls :func:`main` with its arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from onevisit.citybrain.traffic.controllers import CONTROLLERS, make_controller
from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.gridnet import grid_network, random_observation
from onevisit.citybrain.traffic.interface import build_layout
from onevisit.citybrain.traffic.network import load_network, load_scenario
from onevisit.citybrain.traffic.runner import RunResult, run
from onevisit.citybrain.traffic.sumo import find_backend

#: Where the shared benchmark data lives unless ``--data-dir`` or this variable says otherwise.
DATA_ENV = "ONEVISIT_TRAFFIC_DATA"


def default_data_dir() -> Path:
    """``$ONEVISIT_TRAFFIC_DATA``, else ``../shared/data/traffic`` beside the checkout."""
    if DATA_ENV in os.environ:
        return Path(os.environ[DATA_ENV])
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data" / "traffic"
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "data" / "traffic"


def resolve_scenario(name: str, data_dir: Path) -> Path:
    """A path as given, or a scenario name under ``data_dir`` (``cologne1`` = ``resco_cologne1``)."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (data_dir / name, data_dir / f"resco_{name}"):
        if candidate.is_dir():
            return candidate
    known = sorted(p.name.removeprefix("resco_") for p in data_dir.glob("*") if p.is_dir())
    raise TrafficError(
        TrafficErrorCode.UNKNOWN_SCENARIO,
        f"no scenario {name!r} (not a path, not in {data_dir}); known: {', '.join(known) or 'none'}",
    )


def parse_seeds(text: str) -> list[int]:
    """``"1-5"``, ``"1,3,7"`` or a mix."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            seeds += list(range(int(lo), int(hi) + 1)) if hi else [int(lo)]
    except ValueError:
        raise TrafficError(TrafficErrorCode.BAD_OBSERVATION, f"seeds {text!r}: use e.g. 1-5 or 1,2,3") from None
    return seeds


def summarise(runs: Sequence[RunResult]) -> list[dict[str, object]]:
    """Mean and sample sd per (scenario, controller, SUMO version) cell."""
    cells: dict[tuple[str, str, str], list[RunResult]] = {}
    for r in runs:
        cells.setdefault((r.scenario, r.controller, r.sumo_version), []).append(r)
    rows: list[dict[str, object]] = []
    for (scenario, controller, version), rs in cells.items():

        def stat(key: str, rs: list[RunResult] = rs) -> tuple[float, float]:
            xs = [float(getattr(r, key)) for r in rs]
            return statistics.fmean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0

        delay, travel = stat("resco_delay"), stat("travel_time")
        # a run where over 5 % of trips never got in is a gridlock (SUMO without teleporting)
        stuck = [r.seed for r in rs if r.never_departed > 0.05 * max(r.trips, 1)]
        rows.append(
            {
                "scenario": scenario,
                "controller": controller,
                "sumo_version": version,
                "seeds": [r.seed for r in rs],
                "resco_delay": round(delay[0], 2),
                "resco_delay_sd": round(delay[1], 2),
                "travel_time": round(travel[0], 2),
                "travel_time_sd": round(travel[1], 2),
                "resco_delay_median": round(statistics.median(r.resco_delay for r in rs), 2),
                "travel_time_median": round(statistics.median(r.travel_time for r in rs), 2),
                "gridlocked_seeds": stuck,
                "never_departed": round(stat("never_departed")[0], 1),
                "decide_ms": round(stat("decide_ms")[0], 4),
            }
        )
    return rows


def format_table(rows: Sequence[dict[str, object]]) -> str:
    """A plain-text table, one line per cell."""
    w = max([len(str(r["scenario"])) for r in rows] + [8]) + 2
    head = f"{'scenario':<{w}}{'controller':<14}{'SUMO':<8}{'seeds':>6}"
    head += f"{'RESCO delay s':>18}{'median':>8}{'travel time s':>18}{'median':>8}  gridlocked seeds"
    lines = [head, "-" * len(head)]
    for r in rows:
        seeds = r["seeds"]
        count = len(seeds) if isinstance(seeds, list) else 0
        lines.append(
            f"{r['scenario']!s:<{w}}{r['controller']!s:<14}{r['sumo_version']!s:<8}{count:>6}"
            f"{r['resco_delay']:>11} ± {r['resco_delay_sd']:<6}{r['resco_delay_median']:>7}"
            f"{r['travel_time']:>11} ± {r['travel_time_sd']:<6}{r['travel_time_median']:>7}  {r['gridlocked_seeds']}"
        )
    return "\n".join(lines)


def scale_benchmark(controller: str, side: int = 36, steps: int = 200) -> dict[str, object]:
    """Mean and 95th-percentile decision time on a ``side`` x ``side`` generated grid."""
    layout = build_layout(grid_network(side, side))
    ctrl = make_controller(controller)
    ctrl.reset(layout)
    rng = np.random.default_rng(0)
    observations = [random_observation(layout, rng, float(t)) for t in range(steps)]
    times = []
    for obs in observations:
        t0 = time.perf_counter()
        ctrl.decide(obs)
        times.append(1000.0 * (time.perf_counter() - t0))
    return {
        "controller": controller,
        "signals": layout.size,
        "lanes": len(layout.in_lanes),
        "steps": steps,
        "mean_ms": round(statistics.fmean(times), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onevisit citybrain bench", description=__doc__)
    p.add_argument("--scenario", action="append", default=[], help="name or path; repeatable")
    p.add_argument("--controller", action="append", default=[], help=", ".join(CONTROLLERS))
    p.add_argument("--seeds", default="1-5", help="e.g. 1-5 or 1,2,3 (default 1-5)")
    p.add_argument("--out", type=Path, help="write runs and summary as JSON here")
    p.add_argument("--data-dir", type=Path, default=None, help=f"default ${DATA_ENV}")
    p.add_argument("--backend", default="auto", choices=("auto", "libsumo", "traci"))
    p.add_argument("--sumo-binary", default=None, help="sumo executable for TraCI (e.g. 1.9.1)")
    p.add_argument("--duration", type=float, default=None, help="simulate only this many seconds")
    p.add_argument("--scale", type=int, default=0, help="also time decisions on an NxN grid")
    return p


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def bench(args: argparse.Namespace) -> dict[str, object]:
    """Run the matrix the arguments describe and return the JSON document."""
    data_dir = args.data_dir or default_data_dir()
    scenarios = [resolve_scenario(s, data_dir) for s in _split(args.scenario)]
    for path in scenarios:
        load_network(load_scenario(path).net_file)  # bad files fail here, before any simulator
    controllers = _split(args.controller) or list(CONTROLLERS)
    for name in controllers:
        make_controller(name)  # fail on a typo before minutes of simulation
    seeds = parse_seeds(args.seeds)
    backend = find_backend(args.backend, args.sumo_binary) if scenarios else None
    runs: list[RunResult] = []
    for path in scenarios:
        for name in controllers:
            for seed in seeds:
                end = load_scenario(path).begin + args.duration if args.duration else None
                runs.append(run(path, make_controller(name), seed, backend=backend, end=end))
                last = runs[-1]
                sys.stderr.write(
                    f"  {last.scenario} {name} seed {seed} (SUMO {last.sumo_version}): "
                    f"delay {last.resco_delay:.1f} s, travel {last.travel_time:.1f} s\n"
                )
    doc: dict[str, object] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(sys.argv),
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "summary": summarise(runs),
        "runs": [asdict(r) for r in runs],
    }
    if args.scale:
        doc["scale"] = [scale_benchmark(c, args.scale) for c in controllers]
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (2 for a :class:`TrafficError`)."""
    args = build_parser().parse_args(argv)
    try:
        doc = bench(args)
    except TrafficError as exc:
        sys.stderr.write(f"error: {exc.message} [{exc.code.value}]\n")
        return 2
    summary = doc["summary"]
    if isinstance(summary, list) and summary:
        sys.stdout.write(format_table(summary) + "\n")
    scale = doc.get("scale")
    for row in scale if isinstance(scale, list) else []:
        sys.stdout.write(f"decision time: {row}\n")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
