"""City Brain signal control: detector state in, green phases out; SUMO as one source of state.

The public face for other modules (and, later, the HTTP API and the live page):

* :mod:`.interface` - :class:`Layout`, :class:`Observation`, :class:`IntersectionReading`,
  the :class:`Controller` protocol and :func:`observation_from_readings` for live feeds;
* :func:`make_controller` and :data:`CONTROLLERS` - fixed, sotl, max-pressure, adaptive;
* :func:`load_scenario` / :func:`load_network` - SUMO files, checked, without a simulator;
* :func:`run` - one measured simulation; :mod:`.bench` - the benchmark command.

Only the simulator parts need the optional ``traffic`` extra (libsumo); they import it lazily.
"""

from onevisit.citybrain.traffic.controllers import CONTROLLERS, make_controller
from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode
from onevisit.citybrain.traffic.interface import (
    Controller,
    IntersectionReading,
    Layout,
    Observation,
    build_layout,
    decisions_by_id,
    observation_from_readings,
)
from onevisit.citybrain.traffic.network import load_network, load_scenario
from onevisit.citybrain.traffic.runner import RunResult, run

__all__ = [
    "CONTROLLERS",
    "Controller",
    "IntersectionReading",
    "Layout",
    "Observation",
    "RunResult",
    "TrafficError",
    "TrafficErrorCode",
    "build_layout",
    "decisions_by_id",
    "load_network",
    "load_scenario",
    "make_controller",
    "observation_from_readings",
    "run",
]
