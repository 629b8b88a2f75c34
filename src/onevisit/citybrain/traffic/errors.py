"""Error codes for the traffic-signal package.

Callers (the CLI, the future HTTP API) branch on :class:`TrafficErrorCode`, never on message text,
and show :attr:`TrafficError.message` to people as it is: each message names the file, controller or
signal at fault and says what to do, so nobody needs a traceback to act on it.
"""

from __future__ import annotations

from enum import StrEnum


class TrafficErrorCode(StrEnum):
    """Stable codes; the API will put these in RFC 9457 problem details as ``code``."""

    SCENARIO_NOT_FOUND = "traffic.scenario_not_found"
    SCENARIO_MALFORMED = "traffic.scenario_malformed"
    NO_SIGNALS = "traffic.no_signals"
    UNKNOWN_CONTROLLER = "traffic.unknown_controller"
    UNKNOWN_SCENARIO = "traffic.unknown_scenario"
    BAD_OBSERVATION = "traffic.bad_observation"
    SIMULATOR_UNAVAILABLE = "traffic.simulator_unavailable"
    SIMULATOR_FAILED = "traffic.simulator_failed"


class TrafficError(Exception):
    """An expected failure with a stable code and a message meant for people."""

    def __init__(self, code: TrafficErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code.value}]"
