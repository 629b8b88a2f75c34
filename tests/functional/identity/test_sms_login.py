"""Logging in with a one-time code sent by SMS (read from the development gateway)."""

from __future__ import annotations

import re

from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.notify import dev_messages_to
from onevisit.kernel.platform import Platform
from tests.common.factories import id_number, make_person
from tests.functional.conftest import Browser

PHONE = "13912345678"


def _request_code(client: Browser, number: str):  # type: ignore[no-untyped-def]
    return client.submit("/login/sms", "/login/sms", {"id_number": number})


def _latest_code(platform: Platform) -> str:
    with platform.db.session() as session:
        messages = dev_messages_to(session, platform, PHONE)
    assert messages, "no SMS was sent"
    match = re.search(r"\b(\d{6})\b", messages[-1].body)
    assert match
    return match.group(1)


def _verify(client: Browser, number: str, code: str):  # type: ignore[no-untyped-def]
    return client.submit("/login/sms", "/login/sms/verify", {"id_number": number, "code": code}, follow_redirects=False)


def test_a_code_sent_by_sms_logs_the_person_in(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform, name="赵短信", phone=PHONE, password=None)
    sent = _request_code(client, number)
    assert sent.status_code == 200
    assert 'action="/login/sms/verify"' in sent.text
    code = _latest_code(platform)
    # The development page shows the message, with the phone number masked.
    messages = client.get("/dev/messages").text
    assert code in messages and "139****5678" in messages and PHONE not in messages
    response = _verify(client, number, code)
    assert response.status_code == 303
    assert response.headers["location"] == "/me"
    assert "赵短信" in client.get("/me").text


def test_a_wrong_code_fails_and_the_right_one_still_works(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform, phone=PHONE)
    _request_code(client, number)
    code = _latest_code(platform)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    failed = _verify(client, number, wrong)
    assert failed.status_code == 401
    assert "The code is not right or has expired." in failed.text
    assert 'id="error-code"' in failed.text
    assert wrong not in failed.text  # the code typed is not echoed
    assert _verify(client, number, code).status_code == 303


def test_an_expired_code_fails(platform: Platform, client: Browser, clock: FrozenClock) -> None:
    _, number, _ = make_person(platform, phone=PHONE)
    _request_code(client, number)
    code = _latest_code(platform)
    clock.advance(seconds=platform.settings.otp_ttl_seconds)
    assert _verify(client, number, code).status_code == 401


def test_a_code_works_only_once(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform, phone=PHONE)
    _request_code(client, number)
    code = _latest_code(platform)
    assert _verify(client, number, code).status_code == 303
    client.cookies.clear()
    assert _verify(client, number, code).status_code == 401


def test_a_new_code_replaces_the_old_one(platform: Platform, client: Browser, clock: FrozenClock) -> None:
    _, number, _ = make_person(platform, phone=PHONE)
    _request_code(client, number)
    first = _latest_code(platform)
    clock.advance(seconds=61)
    _request_code(client, number)
    second = _latest_code(platform)
    assert _verify(client, number, first).status_code == 401 or first == second  # 1 in a million
    assert _verify(client, number, second).status_code == 303


def test_asking_again_within_a_minute_is_refused(platform: Platform, client: Browser, clock: FrozenClock) -> None:
    _, number, _ = make_person(platform, phone=PHONE)
    assert _request_code(client, number).status_code == 200
    clock.advance(seconds=59)
    again = _request_code(client, number)
    assert again.status_code == 429
    assert "A code was sent less than a minute ago." in again.text
    with platform.db.session() as session:
        assert len(dev_messages_to(session, platform, PHONE)) == 1
    clock.advance(seconds=2)
    assert _request_code(client, number).status_code == 200
    with platform.db.session() as session:
        assert len(dev_messages_to(session, platform, PHONE)) == 2


def test_an_unknown_id_number_gets_the_same_page_and_no_message(platform: Platform, client: Browser) -> None:
    make_person(platform, phone=PHONE)
    _, no_phone, _ = make_person(platform, phone=None)
    unknown = id_number()
    pages = [_request_code(client, n) for n in (unknown, no_phone)]
    assert all(p.status_code == 200 for p in pages)
    assert pages[0].text.replace(unknown, "N") == pages[1].text.replace(no_phone, "N")
    with platform.db.session() as session:
        assert dev_messages_to(session, platform, PHONE) == []
    assert _verify(client, unknown, "123456").status_code == 401
