"""An unexpected exception gives people a proper 500 page and API clients a problem
document — never a stack trace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from onevisit.app import create_app
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import public
from onevisit.kernel.platform import Platform
from tests.common.pagechecks import check_page

SECRET_DETAIL = "database password is hunter2"


@pytest.fixture
def broken_client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform=platform)
    router = APIRouter()

    @router.get("/broken")
    @router.get("/api/v1/broken")
    def broken(principal: Principal = Depends(public)) -> None:
        raise RuntimeError(SECRET_DETAIL)

    app.include_router(router)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


def test_a_crash_on_a_page_shows_the_500_page_without_details(broken_client: TestClient) -> None:
    response = broken_client.get("/broken", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    check_page(response.text, url="/broken")
    assert "Something went wrong" in response.text
    assert SECRET_DETAIL not in response.text
    assert "Traceback" not in response.text


def test_a_crash_on_a_page_is_in_chinese_by_default(broken_client: TestClient) -> None:
    response = broken_client.get("/broken")
    assert response.status_code == 500
    assert '<html lang="zh-Hans">' in response.text
    assert "Something went wrong" not in response.text


def test_a_crash_in_the_api_is_a_problem_document_without_details(broken_client: TestClient) -> None:
    response = broken_client.get("/api/v1/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "kernel.internal"
    assert body["status"] == 500
    assert SECRET_DETAIL not in response.text
