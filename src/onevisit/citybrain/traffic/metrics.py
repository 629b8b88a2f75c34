"""The two published figures of merit, computed from SUMO's tripinfo output.

* RESCO delay (Ault & Sharon 2021, ``utils/readXML.py``): the mean over *all* trips of
  ``timeLoss + departDelay``, from tripinfo written with ``write-unfinished``; a vehicle that never
  entered the network is charged ``end - scheduled depart``. Charging the never-inserted matters:
  a controller that blocks the entry links would otherwise look good.
* Average travel time (CityFlow / LibSignal): the mean over vehicles that entered of the time from
  entering to leaving; vehicles still inside at the end count up to the end.

The scheduled departures come from the route files, so the figures do not depend on whether a given
SUMO version writes never-inserted vehicles into tripinfo.

The files are the operator's own scenario files, parsed by CPython 3.11's expat (>= 2.4), which
refuses entity-expansion bombs; defusedxml would add a dependency for no further protection here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from onevisit.citybrain.traffic.errors import TrafficError, TrafficErrorCode


@dataclass(frozen=True)
class Trip:
    """One tripinfo record; ``arrival`` is negative for a vehicle still driving at the end."""

    id: str
    depart: float
    arrival: float
    time_loss: float
    depart_delay: float


@dataclass(frozen=True)
class Figures:
    """Metrics of one run."""

    resco_delay: float
    travel_time: float
    trips: int
    arrived: int
    never_departed: int


def _num(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def scheduled_departures(route_files: Iterable[Path]) -> dict[str, float]:
    """Vehicle id -> scheduled depart time for ``<vehicle>``, ``<trip>`` and counted ``<flow>``s."""
    out: dict[str, float] = {}
    for path in route_files:
        try:
            for _, el in ET.iterparse(path):  # noqa: S314 - see module docstring
                if el.tag in {"vehicle", "trip"}:
                    depart = _num(el.get("depart"))
                    if depart is not None:
                        out[el.get("id", "")] = depart
                elif el.tag == "flow":
                    out.update(_flow(el))
                if el.tag in {"vehicle", "trip", "flow"}:
                    el.clear()
        except ET.ParseError as exc:
            raise TrafficError(
                TrafficErrorCode.SCENARIO_MALFORMED,
                f"route file {path} is not well-formed XML ({exc})",
            ) from None
    return out


def _flow(el: ET.Element) -> dict[str, float]:
    """Expand a deterministic flow (``number`` or ``period``); random flows cannot be known ahead."""
    begin = _or(_num(el.get("begin")), 0.0)
    end, number, period = _num(el.get("end")), _num(el.get("number")), _num(el.get("period"))
    if period is None and number and end is not None:
        period = (end - begin) / number
    if period is None or period <= 0:
        return {}
    count = int(number) if number else int(((end or begin) - begin) / period)
    fid = el.get("id", "")
    return {f"{fid}.{k}": begin + k * period for k in range(count)}


def read_tripinfo(path: Path) -> list[Trip]:
    """Parse a tripinfo file (also one cut short by a crash, as far as it goes)."""
    trips: list[Trip] = []
    try:
        for _, el in ET.iterparse(path):  # noqa: S314 - see module docstring
            if el.tag == "tripinfo":
                trips.append(
                    Trip(
                        id=el.get("id", ""),
                        depart=_or(_num(el.get("depart")), -1.0),
                        arrival=_or(_num(el.get("arrival")), -1.0),
                        time_loss=_or(_num(el.get("timeLoss")), 0.0),
                        depart_delay=_or(_num(el.get("departDelay")), 0.0),
                    )
                )
                el.clear()
    except ET.ParseError as exc:
        raise TrafficError(TrafficErrorCode.SIMULATOR_FAILED, f"tripinfo {path} is incomplete ({exc})") from None
    return trips


def figures(trips: Iterable[Trip], scheduled: dict[str, float], begin: float, end: float) -> Figures:
    """RESCO delay and average travel time for a run that stopped at ``end``."""
    by_id = {t.id: t for t in trips}
    delays: list[float] = []
    travel: list[float] = []
    arrived = never = 0
    due = {vid: dep for vid, dep in scheduled.items() if begin <= dep < end}
    for vid in due.keys() | by_id.keys():
        trip = by_id.get(vid)
        if trip is None or trip.depart < 0:
            never += 1
            delays.append(end - due.get(vid, end))
            continue
        delays.append(trip.time_loss + trip.depart_delay)
        left = trip.arrival if trip.arrival >= 0 else end
        arrived += trip.arrival >= 0
        travel.append(left - trip.depart)
    return Figures(
        resco_delay=sum(delays) / len(delays) if delays else 0.0,
        travel_time=sum(travel) / len(travel) if travel else 0.0,
        trips=len(delays),
        arrived=arrived,
        never_departed=never,
    )
