from __future__ import annotations

from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department, make_person
from tests.functional.conftest import Browser


def test_a_clerk_sees_the_staff_workspace(platform: Platform, client: Browser) -> None:
    department = make_department(platform, name_en="Test Department")
    _, number, _ = make_clerk(platform, department)
    client.login(number)
    page = client.get("/staff")
    assert page.status_code == 200
    assert "Test Department" in page.text
    assert 'href="/staff"' in client.get("/me").text


def test_a_citizen_is_forbidden(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    client.login(number)
    page = client.get("/staff")
    assert page.status_code == 403
    assert "You do not have permission to do this." in page.text
    assert 'href="/staff"' not in client.get("/me").text


def test_anonymous_is_sent_to_log_in_and_comes_back(platform: Platform, client: Browser) -> None:
    department = make_department(platform)
    _, number, _ = make_clerk(platform, department)
    response = client.get("/staff?tab=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fstaff%3Ftab%3D1"
    form = client.get(response.headers["location"])
    assert 'name="next" value="/staff?tab=1"' in form.text
    back = client.post(
        "/login",
        data={
            "id_number": number,
            "password": "correct horse battery",
            "next": "/staff?tab=1",
            "csrf_token": client.csrf(),
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == "/staff?tab=1"
