"""The legal representative finds a policy offer on My OneVisit, sees why, confirms with one
click and sees the payment notice (the money already paid)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect
from sqlalchemy import select

from onevisit.kernel.platform import Platform
from onevisit.payments.models import Payout
from onevisit.policies import match
from tests.common.liveserver import LiveServer
from tests.unit.policies.helpers import insurance, load_facts, make_firm, published_policy, setup_departments, staff


def test_the_representative_sees_an_offer_confirms_and_sees_the_payment_notice(
    platform: Platform, live_server: LiveServer, page: Page
) -> None:
    setup_departments(platform)
    firm = make_firm(platform, name="杭州小微科技有限公司", employees=10)
    load_facts(platform, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(platform)
    with platform.uow(staff(platform)) as uow:
        assert match(uow, code, as_of=dt.date(2026, 11, 20)).new_offers == 1

    page.goto(live_server.url + "/login")
    page.get_by_label("居民身份证号码").fill(firm.rep_number)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + "/me")

    page.get_by_role("link", name="我的企业的惠企政策兑付").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的企业的惠企政策兑付")
    expect(page.locator("#waiting-offers")).to_contain_text("¥5,000.00")
    page.get_by_role("link", name="查看并确认 小微企业员工租房补贴").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("小微企业员工租房补贴")
    expect(page.locator("#explanation")).to_contain_text("满足")
    expect(page.locator("#explanation")).to_contain_text("参保职工人数 = 10")
    page.get_by_role("button", name="确认并领取 ¥5,000.00").click()

    expect(page.get_by_role("status")).to_contain_text("资金已拨付至企业账户")
    expect(page.locator("#payment-notice")).to_contain_text("¥5,000.00")
    expect(page.get_by_role("button", name="确认并领取 ¥5,000.00")).to_have_count(0)
    with platform.db.session() as session:
        payout = session.scalars(select(Payout)).one()
    expect(page.locator("#notice-number")).to_have_text(payout.number)
    expect(page.locator("#payment-notice")).to_contain_text(payout.verify_code)
