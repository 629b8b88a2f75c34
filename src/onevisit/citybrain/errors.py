"""City Brain error codes for the HTTP surfaces (the engine's own are :class:`TrafficErrorCode`).

Callers branch on the code. A :class:`~onevisit.citybrain.traffic.errors.TrafficError` raised by
the engine (a bad reading, an unknown controller, a malformed net) is turned into one of these by
:func:`from_traffic`, keeping the engine's code in ``params`` so nothing is lost.
"""

from __future__ import annotations

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.kernel.errors import AppError, ErrorCode
from onevisit.kernel.i18n import N_


class CityBrainError(ErrorCode):
    AREA_UNKNOWN = "citybrain.area.unknown"
    AREA_EXISTS = "citybrain.area.exists"
    AREA_INVALID = "citybrain.area.invalid"
    SCENARIO_UNKNOWN = "citybrain.scenario.unknown"
    CONTROLLER_UNKNOWN = "citybrain.controller.unknown"
    READING_INVALID = "citybrain.reading.invalid"
    READING_STALE = "citybrain.reading.stale"
    DECISION_NONE = "citybrain.decision.none"
    SIMULATOR_UNAVAILABLE = "citybrain.simulator.unavailable"


class CityBrainInputError(AppError):
    """Input the caller can fix: an unknown lane, a phase out of range, a malformed layout."""

    status = 422


class CityBrainNotFound(CityBrainInputError):
    status = 404


class CityBrainConflict(CityBrainInputError):
    status = 409


_FROM_TRAFFIC: dict[TrafficErrorCode, CityBrainError] = {
    TrafficErrorCode.BAD_OBSERVATION: CityBrainError.READING_INVALID,
    TrafficErrorCode.UNKNOWN_CONTROLLER: CityBrainError.CONTROLLER_UNKNOWN,
    TrafficErrorCode.UNKNOWN_SCENARIO: CityBrainError.SCENARIO_UNKNOWN,
    TrafficErrorCode.SCENARIO_NOT_FOUND: CityBrainError.SCENARIO_UNKNOWN,
    TrafficErrorCode.SIMULATOR_UNAVAILABLE: CityBrainError.SIMULATOR_UNAVAILABLE,
    TrafficErrorCode.SIMULATOR_FAILED: CityBrainError.SIMULATOR_UNAVAILABLE,
}


def from_traffic(exc: TrafficError) -> CityBrainInputError:
    """The API form of an engine error; its message (names the lane, file or signal) is kept."""
    code = _FROM_TRAFFIC.get(exc.code, CityBrainError.AREA_INVALID)
    return CityBrainInputError(
        code, N_("Not accepted: %(problem)s"), params={"problem": exc.message, "engine_code": exc.code.value}
    )
