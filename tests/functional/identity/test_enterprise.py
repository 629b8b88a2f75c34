"""Enterprises: the legal representative, delegated agents, and strangers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from onevisit.kernel.platform import Platform
from tests.common.factories import make_enterprise, make_person
from tests.functional.conftest import Browser


def _setup(platform: Platform):  # type: ignore[no-untyped-def]
    rep, rep_number, _ = make_person(platform, name="钱法人")
    enterprise = make_enterprise(platform, rep, name="杭州甲乙科技有限公司")
    _, agent_number, _ = make_person(platform, name="孙代理")
    return enterprise, rep_number, agent_number


def _authorise(client: Browser, code: str, number: str, name: str, **kw: object):  # type: ignore[no-untyped-def]
    path = f"/enterprises/{code}"
    return client.submit(path, path + "/agents", {"id_number": number, "name": name}, follow_redirects=False, **kw)


def test_the_legal_representative_sees_the_enterprise(platform: Platform, client: Browser) -> None:
    enterprise, rep_number, _ = _setup(platform)
    client.login(rep_number)
    assert f'href="/enterprises/{enterprise.credit_code}"' in client.get("/me").text
    page = client.get(f"/enterprises/{enterprise.credit_code}")
    assert page.status_code == 200
    assert "杭州甲乙科技有限公司" in page.text
    assert enterprise.credit_code in page.text
    assert "¥1,000,000.00" in page.text  # registered capital, shown like every amount
    # Lower case in the address finds it too.
    assert client.get(f"/enterprises/{enterprise.credit_code.lower()}").status_code == 200


def test_someone_elses_enterprise_is_not_found(platform: Platform, client: Browser) -> None:
    enterprise, _, _ = _setup(platform)
    other_rep, other_number, _ = make_person(platform, name="周别人")
    make_enterprise(platform, other_rep, name="别人的公司")
    client.login(other_number)
    page = client.get(f"/enterprises/{enterprise.credit_code}")
    assert page.status_code == 404
    assert "杭州甲乙科技有限公司" not in page.text
    # Exactly as for a code nobody registered: the page does not confirm it exists.
    assert client.get("/enterprises/91350100M000100Y43").status_code == 404


def test_a_citizen_without_enterprises_is_refused_the_same_way_for_any_code(
    platform: Platform, client: Browser
) -> None:
    enterprise, _, agent_number = _setup(platform)
    client.login(agent_number)
    real = client.get(f"/enterprises/{enterprise.credit_code}")
    made_up = client.get("/enterprises/91350100M000100Y43")
    assert real.status_code == made_up.status_code == 403
    assert "杭州甲乙科技有限公司" not in real.text


def test_an_agent_is_authorised_acts_and_loses_access_when_revoked(
    platform: Platform, client: Browser, new_browser: Callable[[], Browser]
) -> None:
    enterprise, rep_number, agent_number = _setup(platform)
    code = enterprise.credit_code
    client.login(rep_number)
    added = _authorise(client, code, agent_number, "孙代理")
    assert added.status_code == 303
    assert added.headers["location"] == f"/enterprises/{code}?notice=agent_added"
    rep_page = client.get(added.headers["location"]).text
    assert "The agent can now act for the enterprise." in rep_page
    assert "孙代理" in rep_page and agent_number not in rep_page

    agent = new_browser()
    agent.login(agent_number)
    assert agent.get(f"/enterprises/{code}").status_code == 200
    assert "Authorised agent" in agent.get("/me").text
    # An agent acts for the enterprise but cannot delegate further.
    _, third_number, _ = make_person(platform, name="吴第三")
    refused = _authorise(agent, code, third_number, "吴第三")
    assert refused.status_code == 403
    assert "Only the enterprise's legal representative can do this." in html.unescape(refused.text)
    assert "吴第三" not in client.get(f"/enterprises/{code}").text

    agent_id = re.search(rf"/enterprises/{code}/agents/(\d+)/revoke", rep_page)
    assert agent_id
    revoke_path = f"/enterprises/{code}/agents/{agent_id.group(1)}/revoke"
    assert agent.submit(f"/enterprises/{code}", revoke_path, {}, follow_redirects=False).status_code == 403
    revoked = client.submit(f"/enterprises/{code}", revoke_path, {}, follow_redirects=False)
    assert revoked.status_code == 303
    # At once: the agent's existing session no longer opens the enterprise.
    after = agent.get(f"/enterprises/{code}")
    assert after.status_code in (403, 404)
    assert "杭州甲乙科技有限公司" not in after.text
    assert "孙代理" not in client.get(f"/enterprises/{code}").text


def test_a_mismatched_name_is_refused_with_a_clear_error(platform: Platform, client: Browser) -> None:
    enterprise, rep_number, agent_number = _setup(platform)
    client.login(rep_number)
    refused = _authorise(client, enterprise.credit_code, agent_number, "孙代埋")
    assert refused.status_code == 422
    assert "No registered person has this ID number and name." in refused.text
    assert 'href="#field-id_number"' in refused.text
    assert f'value="{agent_number}"' in refused.text and 'value="孙代埋"' in refused.text
    assert "No agents are authorised." in refused.text


def test_an_invalid_agent_id_number_names_the_field(platform: Platform, client: Browser) -> None:
    enterprise, rep_number, _ = _setup(platform)
    client.login(rep_number)
    refused = _authorise(client, enterprise.credit_code, "330106199005170010", "")
    assert refused.status_code == 422
    assert 'href="#field-id_number"' in refused.text
    assert 'href="#field-name"' in refused.text


def test_authorising_the_same_agent_twice_is_a_conflict(platform: Platform, client: Browser) -> None:
    enterprise, rep_number, agent_number = _setup(platform)
    client.login(rep_number)
    assert _authorise(client, enterprise.credit_code, agent_number, "孙代理").status_code == 303
    again = _authorise(client, enterprise.credit_code, agent_number, "孙代理")
    assert again.status_code == 409
    assert "This person is already an agent of the enterprise." in again.text
