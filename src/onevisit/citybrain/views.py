"""The City Brain page: the network, each signal's phase and queues live, and the benchmark table.

Rendered complete on the server from the live simulation's last state (``onevisit citybrain
live``), so it works without JavaScript; ``/static/citybrain.js`` then polls
``/api/v1/citybrain/live`` every second and updates the lights, queues and lane colours in place.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onevisit.citybrain.api import READ
from onevisit.citybrain.drawing import Drawing, draw_network
from onevisit.citybrain.live import read_state
from onevisit.citybrain.results import load_results
from onevisit.citybrain.traffic import TrafficError, load_scenario
from onevisit.citybrain.traffic.bench import default_data_dir, resolve_scenario
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.rendering import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("onevisit.citybrain")


def _drawing(scenario: str) -> Drawing | None:
    try:
        config = load_scenario(resolve_scenario(scenario, default_data_dir()))
        return draw_network(config.net_file)
    except TrafficError as exc:
        log.warning("cannot draw scenario %s: %s", scenario, exc)
        return None


@router.get("/citybrain")
def citybrain_page(request: Request, principal: Principal = Depends(require(READ))) -> Response:
    live: dict[str, Any] | None = read_state()
    drawing = _drawing(str(live["scenario"])) if live and live.get("scenario") else None
    context = {
        "live": live,
        "drawing": drawing,
        "results": load_results(),
    }
    return render(request, "citybrain/page.html", context)
