"""The City Brain signal benchmark: every scenario x controller x seed, on the SUMO you run it with.

Writes ``bench/results/citybrain-sumo<version>.json`` (every run, the per-cell summary with the SUMO
version beside each figure, and decision time at 1,296 signals) and prints the table.

    # current SUMO, in-process (libsumo):
    uv run --extra traffic python -m bench.citybrain.traffic
    # SUMO 1.9.1, the version behind the published RESCO figures, over TraCI:
    uv venv /tmp/tv191 -p 3.11 && uv pip install -p /tmp/tv191 eclipse-sumo==1.9.1 numpy
    PYTHONPATH=src:. /tmp/tv191/bin/python -m bench.citybrain.traffic --backend traci

Any argument of ``onevisit citybrain bench`` may be added (``--seeds 1-10``, ``--scenario …``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from onevisit.citybrain.traffic.bench import bench, build_parser, format_table
from onevisit.citybrain.traffic.errors import TrafficError

RESULTS = Path(__file__).resolve().parent.parent / "results"
SCENARIOS = ["--scenario", "cologne1,cologne8,ingolstadt7,hangzhou4x4"]
DEFAULTS = ["--seeds", "1-5", "--scale", "36"]


def main(argv: list[str]) -> int:
    defaults = DEFAULTS if "--scenario" in argv else SCENARIOS + DEFAULTS
    args = build_parser().parse_args(defaults + argv)
    try:
        doc = bench(args)
    except TrafficError as exc:
        sys.stderr.write(f"error: {exc.message} [{exc.code.value}]\n")
        return 2
    summary = doc["summary"]
    assert isinstance(summary, list)
    print(format_table(summary))
    for row in doc.get("scale") or []:  # type: ignore[attr-defined]
        print(f"decision time: {row}")
    versions = sorted({str(r["sumo_version"]) for r in summary})
    out = args.out or RESULTS / f"citybrain-sumo{'-'.join(versions)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
