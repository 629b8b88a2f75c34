"""The demo catalogue: 50 services and 4 "one matter" bundles modelled on real Zhejiang
items, as YAML definition files loaded exactly as an administrator would load them
(``onevisit catalog load src/onevisit/demo/catalog``). See docs/catalog.md."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from onevisit.catalog import DefinitionRejected, load_paths
from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform

DEFINITIONS = Path(__file__).resolve().parent


@dataclass
class CatalogSeedReport:
    services: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def seed_catalog(platform: Platform) -> CatalogSeedReport:
    """Loads every definition file of the demo catalogue; a rejected file is a bug in the
    demo, reported with its file, line and field."""
    started = time.perf_counter()
    results = load_paths(platform, system_actor("demo-seed"), [DEFINITIONS])
    rejected = [r for r in results if isinstance(r, DefinitionRejected)]
    if rejected:
        raise RuntimeError("the demo catalogue does not load:\n" + "\n".join(r.describe() for r in rejected))
    count = sum(
        len(r.added) + len(r.updated) + len(r.unchanged) for r in results if not isinstance(r, DefinitionRejected)
    )
    return CatalogSeedReport(services=count, timings={"catalog": time.perf_counter() - started})
