"""The controllers, by the names the benchmark and the API use."""

from __future__ import annotations

from collections.abc import Callable

from onevisit.citybrain.traffic.controllers.adaptive import AdaptivePressure
from onevisit.citybrain.traffic.controllers.fixed import FixedTime
from onevisit.citybrain.traffic.controllers.maxpressure import MaxPressure
from onevisit.citybrain.traffic.controllers.sotl import Sotl
from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.interface import Controller

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
