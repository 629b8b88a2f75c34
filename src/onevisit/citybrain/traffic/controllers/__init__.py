"""The controllers, by the names the benchmark and the API use."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import TrafficError, TrafficErrorCode
from ..interface import Controller
from .adaptive import AdaptivePressure
from .fixed import FixedTime
from .maxpressure import MaxPressure
from .sotl import Sotl

CONTROLLERS: dict[str, Callable[[], Controller]] = {
    "fixed": FixedTime,
    "sotl": Sotl,
    "max-pressure": MaxPressure,
    "adaptive": AdaptivePressure,
}


def make_controller(name: str) -> Controller:
    """A fresh controller by name, or ``UNKNOWN_CONTROLLER`` listing the valid names."""
    try:
        factory = CONTROLLERS[name]
    except KeyError:
        known = ", ".join(CONTROLLERS)
        raise TrafficError(
            TrafficErrorCode.UNKNOWN_CONTROLLER, f"unknown controller {name!r}; choose from {known}"
        ) from None
    return factory()


__all__ = ["CONTROLLERS", "AdaptivePressure", "FixedTime", "MaxPressure", "Sotl", "make_controller"]
