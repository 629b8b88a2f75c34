"""An administrator opens the City Brain page and watches a signal change phase, live."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from onevisit.citybrain.live import STATE_ENV, LiveOptions, run_live
from onevisit.citybrain.traffic.bench import default_data_dir
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department
from tests.common.liveserver import LiveServer

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("libsumo") is None, reason="libsumo not installed (optional 'traffic' extra)"
)


def test_city_brain_page_shows_a_phase_change(
    platform: Platform, live_server: LiveServer, page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (default_data_dir() / "resco_cologne1").is_dir():
        pytest.skip("benchmark data not found")
    state = tmp_path / "live.json"
    monkeypatch.setenv(STATE_ENV, str(state))
    stop = threading.Event()
    runner = threading.Thread(
        target=run_live, args=(LiveOptions("cologne1", speed=6.0, duration=900), state), kwargs={"stop": stop}
    )
    runner.start()
    try:
        _, number, _ = make_clerk(platform, make_department(platform), role="administrator")
        page.goto(live_server.url + "/login")
        page.get_by_label("居民身份证号码").fill(number)
        page.get_by_label("密码").fill("correct horse battery")
        page.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(live_server.url + "/login")

        for _ in range(50):  # the simulator publishes its first state within a second or two
            if state.exists():
                break
            page.wait_for_timeout(200)
        page.goto(live_server.url + "/citybrain")
        expect(page.get_by_role("heading", level=1)).to_have_text("城市大脑")
        expect(page.locator("svg.citybrain-net circle[data-signal]")).to_have_count(1)
        phase = page.locator('[data-signal-row] [data-field="phase"]')
        first = phase.inner_text()
        # The script polls every second; at 6 simulated seconds per second a phase ends soon.
        expect(phase).not_to_have_text(first, timeout=40_000)
        expect(page.locator('#live-status [data-field="time"]')).not_to_have_text("25200")
    finally:
        stop.set()
        runner.join(timeout=30)
