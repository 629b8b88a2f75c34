"""JSON shapes of the City Brain API (pydantic v2), validated at the edge."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from onevisit.citybrain.traffic.interface import ETA_BINS

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
LaneId = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[float, Field(ge=0, le=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhaseIn(Strict):
    movements: list[Annotated[list[LaneId], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=256, description="[incoming lane, outgoing lane] pairs this phase gives green"
    )


class SignalIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    phases: list[PhaseIn] = Field(min_length=1, max_length=16)
    yellow: float = Field(default=3.0, ge=0, le=10)


class AreaIn(Strict):
    """A control area: a scenario's SUMO net by name, or signals described here; not both."""

    name: Name
    controller: str = Field(default="adaptive", max_length=40)
    scenario: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    signals: list[SignalIn] | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def one_source(self) -> AreaIn:
        if (self.scenario is None) == (self.signals is None):
            raise ValueError("give either scenario or signals")
        return self


class SignalOut(BaseModel):
    id: str
    phases: list[list[list[str]]] = Field(description="per phase, its [incoming, outgoing] lane pairs")


class AreaOut(BaseModel):
    name: str
    source: str
    controller: str
    signals: list[SignalOut]
    time: float | None = None
    clear_box_s: float = Field(
        default=0.0,
        description="after each yellow the signal should stay red while vehicles stand inside the junction, "
        "for at most this many seconds (the controller's clearance rule; 0 = none)",
    )


class ReadingIn(Strict):
    """One junction's detectors; lanes left out count as empty."""

    phase: int = Field(ge=0, le=63)
    phase_age: float = Field(ge=0, le=86_400)
    queues: dict[LaneId, Count] = Field(default_factory=dict, max_length=256)
    approaching: dict[LaneId, Annotated[list[Count], Field(min_length=len(ETA_BINS), max_length=len(ETA_BINS))]] = (
        Field(default_factory=dict, max_length=256, description=f"vehicles per time-to-stop-line bin {ETA_BINS} s")
    )
    downstream: dict[LaneId, Count] = Field(default_factory=dict, max_length=256)
    box: Count = Field(default=0, description="vehicles standing still inside the junction")


class ReadingsIn(Strict):
    time: float = Field(ge=0, le=1e10, description="seconds on the feed's clock, never decreasing")
    intersections: dict[Annotated[str, Field(min_length=1, max_length=200)], ReadingIn] = Field(
        min_length=1, max_length=2000
    )


class DecisionOut(BaseModel):
    area: str
    time: float
    phases: dict[str, int] = Field(description="signal id -> green phase index to show")


class LiveOut(BaseModel):
    """The live simulation's last published state (see ``onevisit citybrain live``)."""

    model_config = ConfigDict(extra="allow")

    available: bool
    stale: bool = True
    scenario: str | None = None
    time: float | None = None
    signals: list[dict[str, Any]] = Field(default_factory=list)
