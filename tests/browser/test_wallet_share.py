"""A citizen opens the wallet, downloads a certificate's PDF, shares a link, and the link
verifies on the public page; a scanned QR code (payload in the URL's fragment) verifies too."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from onevisit import credentials
from onevisit.credentials.services import wallet
from onevisit.credentials.services.status import find_credential
from onevisit.kernel.platform import Platform
from tests.common.liveserver import LiveServer
from tests.unit.credentials.conftest import MARRIAGE, People, departments, people

__all__ = ["departments", "people"]


def test_a_citizen_shares_a_certificate_and_the_link_verifies(
    platform: Platform, people: People, live_server: LiveServer, page: Page, browser: Browser
) -> None:
    with platform.uow() as uow:
        number = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE).number

    page.goto(live_server.url + "/login")
    page.get_by_label("居民身份证号码").fill(people.citizen_number)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + "/me")

    page.get_by_role("link", name="我的证照").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的证照")
    page.get_by_role("link", name="结婚证").click()
    expect(page.locator("#certificate-number")).to_have_text(number)
    expect(page.locator("#certificate-qr")).to_be_visible()

    with page.expect_download() as download:
        page.locator("#download-pdf").click()
    pdf = download.value
    assert pdf.suggested_filename == f"certificate-{number}.pdf"
    path = pdf.path()
    assert path is not None and path.read_bytes().startswith(b"%PDF")

    # Share only the name and the registration date, for one day (the default).
    for box in page.locator("input[name=claims]").all():
        box.uncheck()
    page.get_by_label("持证主体", exact=True).check()
    page.get_by_label("登记日期").check()
    page.get_by_role("button", name="生成链接").click()
    expect(page.get_by_text("核验链接已生成")).to_be_visible()
    link = page.locator("a.share-link").first.get_attribute("href")
    assert link and "/credentials/s/" in link

    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(re.sub(r"^https?://[^/]+", live_server.url, link))
    expect(visitor.locator("#verdict")).to_have_attribute("data-reason", "valid")
    expect(visitor.locator("#verdict")).to_contain_text("此证照真实有效")
    expect(visitor.locator("#claims")).to_contain_text("王小明")
    expect(visitor.locator("#claims")).to_contain_text("2020-05-20")
    expect(visitor.locator("#claims")).not_to_contain_text("李华")
    expect(visitor.locator("tr[data-check=ledger]")).to_have_attribute("data-outcome", "pass")

    # What a phone camera does with the QR code: open the page with the payload after '#'.
    with platform.db.session() as session:
        payload = wallet.presentation(platform.vault, find_credential(session, number))
    visitor.goto(live_server.url + "/credentials/verify#" + payload)
    expect(visitor.locator("#verdict")).to_have_attribute("data-reason", "valid")
    expect(visitor.locator("#claims")).to_contain_text("李华")
    assert "#" not in visitor.url and "OVC1" not in visitor.url
    visitor.context.close()
