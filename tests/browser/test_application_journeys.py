"""Applying in a real browser: the second-hand housing bundle without a single upload,
reviewed by a clerk of each department involved, paid once on the channel's own page, the
new title in the wallet; and an instant-approval service done in one step."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from onevisit.kernel.clock import SystemClock
from onevisit.kernel.platform import Platform
from tests.common.liveserver import LiveServer
from tests.functional.payments.processes import platform_gateways, simulator_process
from tests.unit.applications.conftest import build_province

PASSWORD = "correct horse battery"  # tests.common.factories' password for everyone
BUNDLE = "二手房交易登记一件事"


@pytest.fixture
def clock() -> SystemClock:  # signed channel timestamps are checked against the real clock
    return SystemClock()


def _login(page: Page, url: str, number: str, landing: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("居民身份证号码").fill(number)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(url + landing)


def _status_becomes(page: Page, text: str, timeout: float = 15.0) -> None:
    """The payment notice reaches the server on its own: reload until the status says so."""
    deadline = time.monotonic() + timeout
    while page.locator("#status").inner_text() != text and time.monotonic() < deadline:
        time.sleep(0.2)
        page.reload()
    expect(page.locator("#status")).to_have_text(text)


def _fill_in_the_bundle_form(page: Page, *, seller_number: str) -> None:
    """Pre-filled from the filed contract and the marriage record; no file to upload."""
    expect(page.locator("#field-contract_no")).to_have_value("HZ2026-000123")
    expect(page.locator("#field-price_yuan")).to_have_value("2400000")
    expect(page.locator("#field-co_owner")).to_have_value("李华")
    page.locator("#field-seller_name").fill("张三")
    page.locator("#field-seller_id_number").fill(seller_number)
    page.locator("#field-location").fill("杭州市西湖区文三路1号")
    page.locator("#field-area_m2").fill("88")
    page.get_by_label("水、电、气、网全部").check()
    page.get_by_role("button", name="提交申请").click()


def _clerk_approves(browser: Browser, url: str, clerk_number: str, number: str) -> None:
    """The clerk signs in, opens the inbox from the workspace and approves each of their steps."""
    context = browser.new_context(locale="zh-CN")
    clerk = context.new_page()
    clerk.set_default_timeout(10_000)
    _login(clerk, url, clerk_number, "/me")
    clerk.goto(url + "/staff")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("工作台")
    clerk.get_by_role("link", name="待审批的申请").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("待审批的申请")
    expect(clerk.locator("#inbox tr", has_text=number).first).to_contain_text("审核中")
    count = clerk.locator("#inbox a", has_text=number).count()
    assert count >= 1, clerk_number
    for _ in range(count):
        clerk.locator("#inbox a", has_text=number).first.click()
        expect(clerk.get_by_role("heading", level=1)).to_have_text(f"审核 {number}")
        clerk.get_by_label("本环节审核通过").check()
        clerk.get_by_role("button", name="提交审核意见").click()
        expect(clerk.get_by_text("审核意见已记录，并已通知申请人。")).to_be_visible()
    expect(clerk.locator("#inbox a", has_text=number)).to_have_count(0)
    context.close()


def test_the_housing_bundle_without_an_upload_reviewed_paid_and_in_the_wallet(
    platform: Platform, live_server: LiveServer, page: Page, browser: Browser
) -> None:
    province = build_province(platform)
    url = live_server.url
    with simulator_process({"delay_max": 0.1, "duplicate_rate": 0.0, "drop_rate": 0.0}) as sim_url:
        platform_gateways(platform, sim_url, url)

        # The citizen starts from the bundle's page in the catalogue.
        _login(page, url, province.number, "/me")
        page.goto(url + "/bundles/bundle.second_hand_housing")
        expect(page.get_by_role("heading", level=1)).to_have_text(BUNDLE)
        page.get_by_role("link", name="在线申请").click()
        page.get_by_role("button", name="开始申请").click()
        expect(page).to_have_url(re.compile(r"/me/applications/A\d+"))
        number = re.search(r"/me/applications/(A\d+)", page.url).group(1)  # type: ignore[union-attr]
        expect(page.get_by_role("heading", level=1)).to_have_text(BUNDLE)

        _fill_in_the_bundle_form(page, seller_number=province.clerks["ZJ-PSB"][0])
        expect(page.get_by_text("申请已提交。")).to_be_visible()
        expect(page.locator("#status")).to_have_text("审核中")
        materials = page.locator("#materials li")
        expect(materials.first).to_be_visible()
        texts = materials.all_inner_texts()
        assert texts and all("由持有部门共享调取" in t or "从您的卡包调用" in t for t in texts), texts
        assert not any("由您上传" in t for t in texts)
        progress = page.locator("#tasks")
        for department in ("浙江省住房和城乡建设厅", "浙江省税务局", "浙江省自然资源厅", "浙江省经济和信息化厅"):
            expect(progress).to_contain_text(department)
        expect(page.locator("body")).not_to_contain_text(province.clerks["ZJ-PSB"][0])

        # A clerk of each department finds the application in the inbox and approves.
        for department in ("ZJ-HURD", "ZJ-TAX", "ZJ-NR", "ZJ-EIT"):
            _clerk_approves(browser, url, province.clerks[department][0], number)

        # Approved by all four: one bill for every fee, paid on the channel's page.
        page.reload()
        expect(page.locator("#status")).to_have_text("已批准：待缴费")
        expect(page.locator("#fees")).to_contain_text("¥24,080.00")
        page.get_by_role("link", name="立即缴费").click()
        expect(page.locator("#bill-total")).to_have_text("¥24,080.00")
        total = page.locator("#bill-total").inner_text()
        page.get_by_label("微信支付").check()
        page.get_by_role("button", name=f"支付 {total}").click()
        page.get_by_role("link", name=f"前往微信支付支付 {total}").click()
        expect(page).to_have_url(re.compile("^" + re.escape(sim_url) + "/wechat/pay/"))
        page.get_by_role("button", name="确认支付 Confirm payment").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"您已支付 {total}")

        page.goto(f"{url}/me/applications/{number}")
        _status_becomes(page, "已办结")
        title = page.locator("#certificates a").first
        expect(title).to_have_text(re.compile(r"^RE-"))
        certificate = title.inner_text()

    # The new title is in the wallet.
    page.goto(url + "/me")
    page.get_by_role("link", name="我的证照").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的证照")
    row = page.locator("#wallet tr", has_text=certificate)
    expect(row).to_contain_text("不动产权证书")
    row.get_by_role("link", name="不动产权证书").click()
    expect(page.locator("#certificate-number")).to_have_text(certificate)
    expect(page.get_by_text("杭州市西湖区文三路1号").first).to_be_visible()


def test_an_instant_service_is_done_in_one_step(platform: Platform, live_server: LiveServer, page: Page) -> None:
    province = build_province(platform)
    url = live_server.url
    _login(page, url, province.number, "/me")
    page.get_by_role("link", name="我的申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的申请")
    page.goto(url + "/services/trans.ride_hailing_driver")
    page.get_by_role("link", name="在线申请").click()
    page.get_by_role("button", name="开始申请").click()
    page.get_by_label("滴滴出行").check()
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.get_by_text("已自动审批：所有条件均已根据记录核验。")).to_be_visible()
    expect(page.locator("#materials")).to_contain_text("由持有部门共享调取")
    certificate = page.locator("#certificates a").first
    expect(certificate).to_have_text(re.compile(r"^RH-"))
    number = certificate.inner_text()

    page.goto(url + "/credentials")
    expect(page.locator("#wallet tr", has_text=number)).to_contain_text("网络预约出租汽车驾驶员证")
