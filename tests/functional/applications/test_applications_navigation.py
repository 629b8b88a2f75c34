"""Getting to the applications: from My OneVisit, from the staff workspace (the catalogue
for administrators only), and from a service or bundle page."""

from __future__ import annotations

from onevisit.identity.models import Department
from onevisit.identity.services.people import find_department
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk
from tests.functional.conftest import Browser
from tests.unit.applications.conftest import build_province


def test_my_onevisit_links_to_my_applications(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    me = client.get("/me").text
    assert 'href="/me/applications"' in me and "My applications" in me
    assert "My applications" in client.get("/me/applications").text
    bundle = client.get("/bundles/bundle.second_hand_housing").text
    assert 'href="/apply/bundle.second_hand_housing"' in bundle and "Apply online" in bundle


def test_the_staff_workspace_links_to_the_inbox_and_admins_to_the_catalogue(
    client: Browser, platform: Platform
) -> None:
    province = build_province(platform)
    client.login(province.clerks["ZJ-NR"][0])
    client.get("/language/en", follow_redirects=False)
    staff = client.get("/staff").text
    assert 'href="/staff/applications"' in staff and "Applications to review" in staff
    assert 'href="/staff/catalog"' not in staff
    client.cookies.clear()

    with platform.db.session() as session:
        department = session.get(Department, find_department(session, "ZJ-BDB").id)
    assert department is not None
    _, admin_number, _ = make_clerk(platform, department, role="administrator", name="管理员")
    client.login(admin_number)
    client.get("/language/en", follow_redirects=False)
    staff = client.get("/staff").text
    assert 'href="/staff/catalog"' in staff and "Service catalogue" in staff
    assert client.get("/staff/catalog").status_code == 200
