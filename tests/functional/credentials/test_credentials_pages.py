"""The wallet, a certificate's page, PDF and share links, the public verification page and
the issuing department's page, over real HTTP."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from onevisit import credentials
from onevisit.credentials.models import Credential
from onevisit.identity.models import Department
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk
from tests.functional.conftest import Browser
from tests.unit.credentials.conftest import LICENCE, MARRIAGE, People

QR_IMG = re.compile(r'id="certificate-qr" src="data:image/png;base64,')
SHARE_LINK = re.compile(r'class="mono share-link" href="(http[^"]+/credentials/s/[^"]+)"')


def _issue(platform: Platform, people: People) -> tuple[str, str]:
    with platform.uow() as uow:
        marriage = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE).number
        licence = credentials.issue(uow, "business_licence", people.firm, LICENCE).number
    return marriage, licence


def _path(url: str) -> str:
    return urlsplit(url).path


def _anonymous(client: Browser) -> Browser:
    return Browser(client.app, base_url="http://127.0.0.1")


def test_a_citizen_sees_the_wallet_downloads_the_pdf_and_shares_a_link(
    platform: Platform, client: Browser, people: People
) -> None:
    marriage, licence = _issue(platform, people)
    client.login(people.citizen_number)
    assert 'href="/credentials"' in client.get("/me").text
    wallet = client.get("/credentials")
    assert marriage in wallet.text and ("结婚证" in wallet.text or "Marriage certificate" in wallet.text)
    assert licence not in wallet.text  # the enterprise's certificate is in the enterprise's wallet
    assert "/credentials/enterprises/" in wallet.text
    firm = client.get(f"/credentials/enterprises/{people.enterprise.credit_code}")
    assert licence in firm.text

    page = client.get(f"/credentials/c/{marriage}")
    assert page.status_code == 200 and QR_IMG.search(page.text)
    assert "李华" in page.text
    assert MARRIAGE["spouse_id_number"] not in page.text  # masked on screen
    assert "330106********0024" in page.text
    assert people.citizen_number not in page.text

    pdf = client.get(f"/credentials/c/{marriage}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"

    made = client.submit(
        f"/credentials/c/{marriage}",
        f"/credentials/c/{marriage}/shares",
        {"claims": ["holder_name", "age_over_18", "registered_on"], "hours": "24"},  # type: ignore[dict-item]
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    link = SHARE_LINK.search(page.text)
    assert link, page.text
    shared = _anonymous(client).get(_path(link.group(1)))
    assert shared.status_code == 200
    assert 'data-reason="valid"' in shared.text
    assert "王小明" in shared.text and "2020-05-20" in shared.text
    assert "李华" not in shared.text  # not chosen: not shown
    assert 'data-check="ledger" data-outcome="pass"' in shared.text  # a head was signed when the link was made
    # the holder sees the link was opened
    assert (
        "1 次" in client.get(f"/credentials/c/{marriage}").text
        or "1 times" in client.get(f"/credentials/c/{marriage}").text
    )


def test_share_links_expire_and_can_be_withdrawn(
    platform: Platform, client: Browser, people: People, clock: FrozenClock
) -> None:
    marriage, _ = _issue(platform, people)
    client.login(people.citizen_number)
    for _ in range(2):
        client.submit(
            f"/credentials/c/{marriage}", f"/credentials/c/{marriage}/shares", {"claims": "holder_name", "hours": "1"}
        )
    page = client.get(f"/credentials/c/{marriage}")
    links = SHARE_LINK.findall(page.text)
    assert len(links) == 2
    share_id = re.findall(r"/shares/(\d+)/revoke", page.text)[0]
    client.submit(f"/credentials/c/{marriage}", f"/credentials/c/{marriage}/shares/{share_id}/revoke", {})
    anonymous = _anonymous(client)
    statuses = sorted(anonymous.get(_path(url)).status_code for url in links)
    assert statuses == [200, 410]
    clock.advance(hours=2)
    gone = anonymous.get(_path(links[1]))
    assert gone.status_code == 410
    assert anonymous.get("/credentials/s/not-a-real-token").status_code == 404


def test_sharing_needs_a_claim_and_a_duration(platform: Platform, client: Browser, people: People) -> None:
    marriage, _ = _issue(platform, people)
    client.login(people.citizen_number)
    bad = client.submit(f"/credentials/c/{marriage}", f"/credentials/c/{marriage}/shares", {"hours": "5"})
    assert bad.status_code == 422
    assert 'href="#field-claims"' in bad.text and 'href="#field-hours"' in bad.text
    unknown = client.submit(
        f"/credentials/c/{marriage}", f"/credentials/c/{marriage}/shares", {"claims": "password", "hours": "24"}
    )
    assert unknown.status_code == 422


def test_nobody_else_sees_a_certificate(platform: Platform, client: Browser, people: People) -> None:
    marriage, _ = _issue(platform, people)
    client.login(people.other_number)
    assert client.get(f"/credentials/c/{marriage}").status_code == 404
    assert client.get(f"/credentials/c/{marriage}/pdf").status_code == 404
    assert client.get(f"/credentials/enterprises/{people.enterprise.credit_code}").status_code in (403, 404)
    assert marriage not in client.get("/credentials").text
    assert _anonymous(client).get(f"/credentials/c/{marriage}", follow_redirects=False).status_code == 303


def _payload(platform: Platform, number: str) -> str:
    from onevisit.credentials.services import wallet

    with platform.db.session() as session:
        row = session.scalar(select(Credential).where(Credential.number == number))
        assert row is not None
        return wallet.presentation(platform.vault, row)


def test_the_public_page_explains_garbage_altered_and_revoked(
    platform: Platform, client: Browser, people: People
) -> None:
    marriage, _ = _issue(platform, people)
    payload = _payload(platform, marriage)
    anonymous = _anonymous(client)
    form = anonymous.get("/credentials/verify")
    assert 'id="verify-form"' in form.text and "/credentials/verify.js" in form.text
    assert anonymous.get("/credentials/verify.js").headers["content-type"].startswith("text/javascript")

    def check(text: str) -> str:
        response = anonymous.submit("/credentials/verify", "/credentials/verify", {"payload": text})
        assert response.status_code == 200, response.text
        found = re.search(r'data-reason="([a-z_]+)"', response.text)
        assert found
        return found.group(1)

    assert check(payload) == "valid"
    assert check("http://127.0.0.1/credentials/verify#" + payload) == "valid"
    assert check("hello, world") == "malformed"
    assert check("OVC1.!!!.???") == "malformed"
    head, *_claims = payload.split("~")
    # an altered claim: someone else's disclosure spliced in
    _, licence_claims = _payload(platform, _issue(platform, people)[1]).split("~", 1)
    assert check("~".join([head, licence_claims.split("~")[0]])) == "altered"
    # the body changed: the signature no longer matches, and the register knows the number
    body, signature = head.removeprefix("OVC1.").split(".")
    raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw["exp"] = "2099-12-31"
    forged_body = (
        base64.urlsafe_b64encode(json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
        .rstrip(b"=")
        .decode()
    )
    altered = anonymous.submit(
        "/credentials/verify", "/credentials/verify", {"payload": f"OVC1.{forged_body}.{signature}"}
    ).text
    assert 'data-reason="altered"' in altered
    assert "end of validity" in altered or "有效期" in altered  # says what was changed
    empty = anonymous.submit("/credentials/verify", "/credentials/verify", {"payload": "  "})
    assert empty.status_code == 422 and 'href="#field-payload"' in empty.text

    with platform.uow() as uow:
        credentials.change_status(uow, marriage, action="revoke", reason_code="issued_in_error", reason="duplicate")
    assert check(payload) == "revoked"


def test_the_issuing_department_suspends_reinstates_and_revokes(
    platform: Platform, client: Browser, people: People
) -> None:
    marriage, _ = _issue(platform, people)
    with platform.db.session() as session:
        civil = session.scalar(select(Department).where(Department.code == "ZJ-CA"))
        police = session.scalar(select(Department).where(Department.code == "ZJ-PSB"))
        assert civil is not None and police is not None
    _, clerk_number, _ = make_clerk(platform, civil, name="民政文员")
    _, other_number, _ = make_clerk(platform, police, name="公安文员")

    client.login(other_number)
    page = client.get(f"/staff/credentials?number={marriage}")
    assert "staff-status" not in page.text  # another department's certificate is not shown
    refused = client.submit(
        "/staff/credentials",
        f"/staff/credentials/{marriage}/status",
        {"action": "suspend", "reason_code": "under_investigation", "reason": "check"},
    )
    assert refused.status_code == 403

    clerk = Browser(client.app, base_url="http://127.0.0.1")
    clerk.login(clerk_number)
    page = clerk.get(f"/staff/credentials?number={marriage}")
    assert 'id="staff-status"' in page.text
    invalid = clerk.submit(f"/staff/credentials?number={marriage}", f"/staff/credentials/{marriage}/status", {})
    assert invalid.status_code == 422
    for field in ("action", "reason_code", "reason"):
        assert f'href="#field-{field}"' in invalid.text
    for action in ("suspend", "reinstate", "revoke"):
        done = clerk.submit(
            f"/staff/credentials?number={marriage}",
            f"/staff/credentials/{marriage}/status",
            {"action": action, "reason_code": "under_investigation", "reason": f"{action} for the test"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    again = clerk.submit(
        f"/staff/credentials?number={marriage}",
        f"/staff/credentials/{marriage}/status",
        {"action": "reinstate", "reason_code": "resolved", "reason": "too late"},
    )
    assert again.status_code == 422  # revocation is final
    page = clerk.get(f"/staff/credentials?number={marriage}")
    assert "Revoked" in page.text or "已撤销" in page.text
