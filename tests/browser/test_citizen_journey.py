"""The demo citizen logs in, sees My OneVisit, switches language and logs out — in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from onevisit.demo.logins import DEMO_LOGINS
from onevisit.demo.seed import seed_province
from onevisit.identity.services.people import find_person_by_id_number, phone_of
from onevisit.kernel.masking import mask_phone
from onevisit.kernel.platform import Platform
from tests.common.liveserver import LiveServer


def test_citizen_logs_in_sees_my_onevisit_switches_language_and_logs_out(
    platform: Platform, live_server: LiveServer, page: Page
) -> None:
    seed_province(platform, citizens=60, enterprises=10, seed=11)
    citizen = next(login for login in DEMO_LOGINS if login.key == "citizen")
    number, password = citizen.id_number, citizen.password
    with platform.db.session() as session:
        person = find_person_by_id_number(session, platform.vault, number)
        assert person is not None
        name, phone = person.name, phone_of(platform.vault, person)
    assert phone is not None

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("link", name="登录").first.click()

    # A mistake first: the error summary names the problem and keeps what was typed.
    page.get_by_label("居民身份证号码").fill(number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("存在问题")
    expect(page).to_have_title(re.compile("^错误"))

    page.get_by_label("居民身份证号码").fill(number)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(live_server.url + "/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的一次办")
    expect(page.get_by_text(name).first).to_be_visible()
    masked = number[:6] + "********" + number[-4:]
    expect(page.get_by_text(masked)).to_be_visible()
    assert number not in page.content()
    expect(page.get_by_text(mask_phone(phone))).to_be_visible()
    expect(page.get_by_role("heading", name="我的家庭")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My OneVisit")
    expect(page).to_have_url(live_server.url + "/me")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    page.goto(live_server.url + "/me")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fme$"))
