"""The City Brain page through HTTP: staff only, works without JavaScript, shows live state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onevisit.citybrain.live import STATE_ENV, write_state
from onevisit.citybrain.traffic.bench import default_data_dir
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department, make_person


def test_page_is_for_staff_with_the_permission(platform: Platform, client: Any) -> None:
    anonymous = client.get("/citybrain", follow_redirects=False)
    assert anonymous.status_code in {302, 303, 401}
    _, number, _ = make_person(platform)
    client.login(number)
    assert client.get("/citybrain").status_code == 403


def test_page_shows_network_live_signals_and_results(
    platform: Platform, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (default_data_dir() / "resco_cologne1").is_dir():
        pytest.skip("benchmark data not found")
    state = tmp_path / "live.json"
    monkeypatch.setenv(STATE_ENV, str(state))
    _, number, _ = make_clerk(platform, make_department(platform), role="department_admin")
    client.login(number)
    client.get("/language/en")

    idle = client.get("/citybrain")
    assert idle.status_code == 200
    assert "onevisit citybrain live" in idle.text

    signal = {
        "id": "GS_cluster_357187_359543",
        "phase": 2,
        "phases": 4,
        "state": "GGGggrrrrrGGGggrrrrr",
        "in_transition": False,
        "phase_age": 7.0,
        "queue": 5.0,
        "lanes": {"28198821#3_0": 5.0},
    }
    write_state(
        state,
        {
            "scenario": "cologne1",
            "controller": "adaptive",
            "sumo_version": "1.28.0",
            "running": True,
            "time": 25321.0,
            "signals": [signal],
        },
    )
    page = client.get("/citybrain")
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and 'data-signal="GS_cluster_357187_359543"' in html
    assert 'data-lane="28198821#3_0"' in html
    assert "GGGggrrrrrGGGggrrrrr" in html and ">3</span> / 4" in html
    assert "25321" in html
    assert '<script src="/static/citybrain.js" defer></script>' in html
    assert "RESCO delay" in html and "ingolstadt7" in html  # the results table


def test_page_in_chinese(platform: Platform, client: Any) -> None:
    _, number, _ = make_clerk(platform, make_department(platform), role="administrator")
    client.login(number)
    client.get("/language/zh-Hans")
    page = client.get("/citybrain")
    assert page.status_code == 200
    assert "城市大脑" in page.text
