"""RESCO delay and travel time from tripinfo, including vehicles that never got in."""

from __future__ import annotations

from pathlib import Path

import pytest

from onevisit.citybrain.traffic.metrics import figures, read_tripinfo, scheduled_departures

ROUTES = """<routes>
  <trip id="a" depart="0" from="x" to="y"/>
  <vehicle id="b" depart="10"><route edges="x y"/></vehicle>
  <trip id="c" depart="50" from="x" to="y"/>
  <flow id="f" begin="0" end="100" number="2" from="x" to="y"/>
  <trip id="late" depart="500" from="x" to="y"/>
</routes>"""

TRIPINFO = """<tripinfos>
  <tripinfo id="a" depart="2.00" departDelay="2.00" arrival="40.00" timeLoss="8.00"/>
  <tripinfo id="b" depart="10.00" departDelay="0.00" arrival="-1" timeLoss="30.00"/>
  <tripinfo id="f.0" depart="1.00" departDelay="1.00" arrival="21.00" timeLoss="4.00"/>
  <tripinfo id="f.1" depart="50.00" departDelay="0.00" arrival="60.00" timeLoss="0.00"/>
</tripinfos>"""


def test_resco_delay_charges_never_departed(tmp_path: Path) -> None:
    routes = tmp_path / "r.rou.xml"
    routes.write_text(ROUTES)
    info = tmp_path / "tripinfo.xml"
    info.write_text(TRIPINFO)
    scheduled = scheduled_departures([routes])
    assert scheduled == {"a": 0.0, "b": 10.0, "c": 50.0, "f.0": 0.0, "f.1": 50.0, "late": 500.0}
    result = figures(read_tripinfo(info), scheduled, begin=0.0, end=100.0)
    # a: 8+2, b: 30+0, c never departed: 100-50, f.0: 4+1, f.1: 0 -> mean of 5 trips
    assert result.resco_delay == pytest.approx((10 + 30 + 50 + 5 + 0) / 5)
    # travel: a 38, b still driving 100-10=90, f.0 20, f.1 10; c never entered
    assert result.travel_time == pytest.approx((38 + 90 + 20 + 10) / 4)
    assert (result.trips, result.arrived, result.never_departed) == (5, 3, 1)
