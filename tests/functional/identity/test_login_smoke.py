from __future__ import annotations

from onevisit.kernel.platform import Platform
from tests.common.factories import make_person
from tests.functional.conftest import Browser


def test_login_shows_my_onevisit(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform, name="王小明")
    client.login(number)
    page = client.get("/me")
    assert page.status_code == 200
    assert "王小明" in page.text
    assert number not in page.text
    assert number[:6] + "********" + number[-4:] in page.text
