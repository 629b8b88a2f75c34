"""The benchmark results table, read from ``bench/results/citybrain-*.json`` (one file per SUMO).

The files are written by ``python -m bench.citybrain.traffic``; this only reads their per-cell
summaries. ``$ONEVISIT_CITYBRAIN_RESULTS`` names another folder (a deployment without the repo).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

RESULTS_ENV = "ONEVISIT_CITYBRAIN_RESULTS"


@dataclass(frozen=True)
class ResultRow:
    scenario: str
    controller: str
    sumo_version: str
    seeds: int
    resco_delay: float
    resco_delay_sd: float
    travel_time: float
    gridlocked: int


def results_dir() -> Path | None:
    if RESULTS_ENV in os.environ:
        return Path(os.environ[RESULTS_ENV])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "bench" / "results"
        if candidate.is_dir():
            return candidate
    return None


def load_results(folder: Path | None = None) -> list[ResultRow]:
    """Every summary row of every results file; unreadable files are skipped, not fatal."""
    folder = folder or results_dir()
    rows: list[ResultRow] = []
    if folder is None:
        return rows
    for path in sorted(folder.glob("citybrain-*.json")):
        try:
            rows.extend(_row(s) for s in json.loads(path.read_text()).get("summary", []))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return sorted(rows, key=lambda r: (r.sumo_version, r.scenario, r.resco_delay))


def _row(s: dict[str, object]) -> ResultRow:
    seeds = s.get("seeds")
    gridlocked = s.get("gridlocked_seeds")
    return ResultRow(
        scenario=str(s["scenario"]),
        controller=str(s["controller"]),
        sumo_version=str(s["sumo_version"]),
        seeds=len(seeds) if isinstance(seeds, list) else 0,
        resco_delay=float(str(s["resco_delay"])),
        resco_delay_sd=float(str(s.get("resco_delay_sd") or 0.0)),
        travel_time=float(str(s["travel_time"])),
        gridlocked=len(gridlocked) if isinstance(gridlocked, list) else 0,
    )
