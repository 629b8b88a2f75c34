"""City Brain JSON API under /api/v1/citybrain: live detector feeds in, signal decisions out.

A feed registers a *control area* (a scenario's SUMO net, or signals described as phase lists),
posts detector readings every second or so, and gets back the green phase each signal should
show. Feeding needs ``citybrain.operate``; reading decisions, the live simulation and the
benchmark results needs ``citybrain.read``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request, status

from onevisit.citybrain import results
from onevisit.citybrain.live import read_state
from onevisit.citybrain.schemas import AreaIn, AreaOut, DecisionOut, LiveOut, ReadingsIn, SignalOut
from onevisit.citybrain.services import (
    Area,
    AreaRegistry,
    PhaseSpec,
    SignalSpec,
    network_from_specs,
    phase_movements,
    scenario_network,
)
from onevisit.citybrain.traffic import IntersectionReading
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import require

router = APIRouter(prefix="/api/v1/citybrain", tags=["citybrain"])

#: Feeding readings and registering areas (identity.permissions grants it to administrators).
OPERATE = "citybrain.operate"
#: Reading decisions, the live simulation and results (staff roles).
READ = "citybrain.read"


def registry_of(request: Request) -> AreaRegistry:
    """The process's control areas, created on first use."""
    state = request.app.state
    registry: AreaRegistry | None = getattr(state, "citybrain_areas", None)
    if registry is None:
        registry = AreaRegistry()
        state.citybrain_areas = registry
    return registry


def _area_out(area: Area) -> AreaOut:
    layout = area.layout
    return AreaOut(
        name=area.name,
        source=area.source,
        controller=area.controller.name,
        signals=[SignalOut(id=sid, phases=phase_movements(layout, i)) for i, sid in enumerate(layout.ids)],
        time=area.time,
        clear_box_s=float(getattr(area.controller, "clear_box_s", 0.0)),
    )


@router.post("/areas", response_model=AreaOut, status_code=status.HTTP_201_CREATED)
def api_register_area(body: AreaIn, request: Request, principal: Principal = Depends(require(OPERATE))) -> AreaOut:
    if body.scenario is not None:
        net, source = scenario_network(body.scenario), f"scenario:{body.scenario}"
    else:
        specs = [
            SignalSpec(
                id=s.id,
                phases=tuple(PhaseSpec(tuple((m[0], m[1]) for m in p.movements)) for p in s.phases),
                yellow=s.yellow,
            )
            for s in body.signals or []
        ]
        net, source = network_from_specs(specs), "layout"
    area = registry_of(request).register(body.name, net, body.controller, source)
    return _area_out(area)


@router.get("/areas", response_model=list[AreaOut])
def api_areas(request: Request, principal: Principal = Depends(require(READ))) -> list[AreaOut]:
    return [_area_out(a) for a in registry_of(request).all()]


@router.get("/areas/{name}", response_model=AreaOut)
def api_area(name: str, request: Request, principal: Principal = Depends(require(READ))) -> AreaOut:
    return _area_out(registry_of(request).get(name[:64]))


@router.post("/areas/{name}/readings", response_model=DecisionOut)
def api_readings(
    name: str, body: ReadingsIn, request: Request, principal: Principal = Depends(require(OPERATE))
) -> DecisionOut:
    readings = {
        sid: IntersectionReading(
            phase=r.phase,
            phase_age=r.phase_age,
            queues=r.queues,
            approaching=r.approaching,
            downstream=r.downstream,
            box=r.box,
        )
        for sid, r in body.intersections.items()
    }
    phases = registry_of(request).submit(name[:64], body.time, readings)
    return DecisionOut(area=name, time=body.time, phases=phases)


@router.get("/areas/{name}/decision", response_model=DecisionOut)
def api_decision(name: str, request: Request, principal: Principal = Depends(require(READ))) -> DecisionOut:
    time, phases = registry_of(request).decision(name[:64])
    return DecisionOut(area=name, time=time, phases=phases)


@router.get("/live", response_model=LiveOut)
def api_live(request: Request, principal: Principal = Depends(require(READ))) -> LiveOut:
    """What ``onevisit citybrain live`` last published; ``available`` is false when nothing runs."""
    doc: dict[str, Any] | None = read_state()
    if doc is None:
        return LiveOut(available=False)
    return LiveOut(available=True, **doc)


@router.get("/results")
def api_results(request: Request, principal: Principal = Depends(require(READ))) -> list[dict[str, Any]]:
    return [asdict(r) for r in results.load_results()]
