"""The City Brain API through HTTP: register an area, feed readings, read decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department, make_person

SIMPLE = {
    "name": "crossing-1",
    "controller": "adaptive",
    "signals": [
        {
            "id": "J1",
            "phases": [
                {"movements": [["n_in", "s_out"], ["s_in", "n_out"]]},
                {"movements": [["e_in", "w_out"], ["w_in", "e_out"]]},
            ],
        }
    ],
}


def _admin(platform: Platform, client: Any, role: str = "administrator") -> None:
    _, number, _ = make_clerk(platform, make_department(platform), role=role, name="赵管理")
    client.login(number)


def _csrf(client: Any) -> dict[str, str]:
    return {"X-CSRF-Token": client.csrf("/citybrain")}


def test_feed_readings_and_get_the_controllers_decision(platform: Platform, client: Any) -> None:
    _admin(platform, client)
    created = client.post("/api/v1/citybrain/areas", json=SIMPLE, headers=_csrf(client))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["controller"] == "adaptive"
    assert body["signals"][0]["phases"][0] == [["n_in", "s_out"], ["s_in", "n_out"]]

    none_yet = client.get("/api/v1/citybrain/areas/crossing-1/decision")
    assert none_yet.status_code == 404
    assert none_yet.json()["code"] == "citybrain.decision.none"

    # North-south has had green for 20 s and is empty; east-west has a long queue: switch.
    reading = {
        "time": 100.0,
        "intersections": {"J1": {"phase": 0, "phase_age": 20.0, "queues": {"e_in": 12, "w_in": 9}}},
    }
    decided = client.post("/api/v1/citybrain/areas/crossing-1/readings", json=reading, headers=_csrf(client))
    assert decided.status_code == 200, decided.text
    assert decided.json()["phases"] == {"J1": 1}
    assert client.get("/api/v1/citybrain/areas/crossing-1/decision").json()["phases"] == {"J1": 1}

    # A platoon still flowing on the current green keeps it.
    keep = {
        "time": 101.0,
        "intersections": {"J1": {"phase": 1, "phase_age": 8.0, "approaching": {"e_in": [3, 1, 0, 0]}}},
    }
    assert client.post("/api/v1/citybrain/areas/crossing-1/readings", json=keep, headers=_csrf(client)).json()[
        "phases"
    ] == {"J1": 1}


def test_bad_readings_are_problem_details_with_codes(platform: Platform, client: Any) -> None:
    _admin(platform, client)
    client.post("/api/v1/citybrain/areas", json=SIMPLE, headers=_csrf(client))
    url = "/api/v1/citybrain/areas/crossing-1/readings"

    def post(body: dict[str, Any]) -> Any:
        return client.post(url, json=body, headers=_csrf(client))

    unknown_lane = post({"time": 1, "intersections": {"J1": {"phase": 0, "phase_age": 1, "queues": {"x": 1}}}})
    assert unknown_lane.status_code == 422
    assert unknown_lane.headers["content-type"].startswith("application/problem+json")
    assert unknown_lane.json()["code"] == "citybrain.reading.invalid"
    assert "'x'" in unknown_lane.json()["detail"]

    bad_phase = post({"time": 1, "intersections": {"J1": {"phase": 5, "phase_age": 1}}})
    assert bad_phase.json()["code"] == "citybrain.reading.invalid"

    negative = post({"time": 1, "intersections": {"J1": {"phase": 0, "phase_age": 1, "queues": {"e_in": -3}}}})
    assert negative.status_code == 422 and negative.json()["code"] == "kernel.validation"

    assert post({"time": 50, "intersections": {"J1": {"phase": 0, "phase_age": 1}}}).status_code == 200
    stale = post({"time": 10, "intersections": {"J1": {"phase": 0, "phase_age": 1}}})
    assert stale.status_code == 409 and stale.json()["code"] == "citybrain.reading.stale"

    assert client.get("/api/v1/citybrain/areas/nowhere").json()["code"] == "citybrain.area.unknown"
    again = client.post("/api/v1/citybrain/areas", json=SIMPLE, headers=_csrf(client))
    assert again.status_code == 409 and again.json()["code"] == "citybrain.area.exists"
    wrong_ctl = client.post(
        "/api/v1/citybrain/areas", json={**SIMPLE, "name": "x2", "controller": "magic"}, headers=_csrf(client)
    )
    assert wrong_ctl.status_code == 422 and wrong_ctl.json()["code"] == "citybrain.controller.unknown"
    both = client.post(
        "/api/v1/citybrain/areas", json={**SIMPLE, "name": "x3", "scenario": "cologne1"}, headers=_csrf(client)
    )
    assert both.status_code == 422


def test_a_scenarios_net_is_a_control_area(platform: Platform, client: Any) -> None:
    from onevisit.citybrain.traffic.bench import default_data_dir

    if not (default_data_dir() / "resco_cologne8").is_dir():
        pytest.skip("benchmark data not found")
    _admin(platform, client)
    made = client.post("/api/v1/citybrain/areas", json={"name": "koeln", "scenario": "cologne8"}, headers=_csrf(client))
    assert made.status_code == 201, made.text
    assert len(made.json()["signals"]) == 8
    missing = client.post(
        "/api/v1/citybrain/areas", json={"name": "nope", "scenario": "atlantis"}, headers=_csrf(client)
    )
    assert missing.status_code == 422 and missing.json()["code"] == "citybrain.scenario.unknown"


def test_who_may_feed_and_who_may_read(platform: Platform, client: Any) -> None:
    assert client.get("/api/v1/citybrain/areas").status_code == 401
    _, number, _ = make_person(platform)
    client.login(number)
    assert client.get("/api/v1/citybrain/areas").status_code == 403
    client.post("/logout", data={"csrf_token": client.csrf("/me")})
    dep = make_department(platform, code="ZJ-TRAFFIC")
    _, reader, _ = make_clerk(platform, dep, role="department_admin", name="钱读者")
    client.login(reader)
    assert client.get("/api/v1/citybrain/areas").status_code == 200
    refused = client.post("/api/v1/citybrain/areas", json=SIMPLE, headers=_csrf(client))
    assert refused.status_code == 403


def test_live_and_results_endpoints(
    platform: Platform, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onevisit.citybrain.live import STATE_ENV, write_state

    monkeypatch.setenv(STATE_ENV, str(tmp_path / "live.json"))
    _admin(platform, client)
    assert client.get("/api/v1/citybrain/live").json()["available"] is False
    write_state(tmp_path / "live.json", {"scenario": "cologne1", "running": True, "time": 25300.0, "signals": []})
    live = client.get("/api/v1/citybrain/live").json()
    assert live["available"] is True and live["stale"] is False and live["time"] == 25300.0
    rows = client.get("/api/v1/citybrain/results").json()
    assert any(r["controller"] == "adaptive" and r["sumo_version"] == "1.9.1" for r in rows)
