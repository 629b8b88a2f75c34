"""A citizen pays a traffic fine through the channel simulator's own page and sees the receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from onevisit.kernel.clock import SystemClock
from onevisit.kernel.platform import Platform
from tests.common.factories import make_person
from tests.common.liveserver import LiveServer
from tests.functional.payments.processes import platform_gateways, simulator_process
from tests.unit.payments.helpers import bill_for, department


@pytest.fixture
def clock() -> SystemClock:  # signed channel timestamps are checked against the real clock
    return SystemClock()


def test_a_citizen_pays_a_fine_on_the_channel_page_and_sees_the_receipt(
    platform: Platform, live_server: LiveServer, page: Page
) -> None:
    person, number, _ = make_person(platform, name="王小明")
    bill = bill_for(platform, person, department(platform), amount_fen=20_150)
    with simulator_process({"delay_max": 0.2, "duplicate_rate": 0.5, "drop_rate": 0.0}) as sim_url:
        platform_gateways(platform, sim_url, live_server.url)

        page.goto(live_server.url + "/login")
        page.get_by_label("居民身份证号码").fill(number)
        page.get_by_label("密码").fill("correct horse battery")
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(live_server.url + "/me")

        page.get_by_role("link", name="我的账单").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("我的账单")
        expect(page.get_by_text("¥201.50")).to_be_visible()
        page.get_by_role("link", name=re.compile("^缴纳")).click()

        page.get_by_label("微信支付").check()
        page.get_by_role("button", name="支付 ¥201.50").click()
        page.get_by_role("link", name="前往微信支付支付 ¥201.50").click()

        # The channel's own page (another origin): the payer confirms there.
        expect(page).to_have_url(re.compile("^" + re.escape(sim_url) + "/wechat/pay/"))
        expect(page.get_by_text("¥201.50")).to_be_visible()
        page.get_by_role("button", name="确认支付 Confirm payment").click()

        expect(page).to_have_url(re.compile(re.escape(live_server.url) + "/payments/orders/.+/return"))
        expect(page.get_by_role("heading", level=1)).to_have_text("您已支付 ¥201.50")
        page.get_by_role("link", name="查看电子票据").click()
        expect(page.locator("#receipt-amount")).to_have_text("¥201.50")
        expect(page.get_by_text("王小明", exact=True)).to_be_visible()

        page.get_by_role("link", name="我的票据").last.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("我的票据")
        expect(page.locator("table")).to_contain_text("¥201.50")
    assert bill.number
