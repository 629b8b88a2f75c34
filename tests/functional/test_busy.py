"""An overloaded SQLite ("database is locked") is answered 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from onevisit.app import create_app
from onevisit.kernel.platform import Platform


def _app_with_a_busy_route(platform: Platform) -> TestClient:
    app = create_app(platform=platform)

    def busy() -> None:
        raise sqlite3.OperationalError("database is locked")

    app.add_api_route("/api/v1/test-busy", busy)
    app.add_api_route("/test-busy", busy)
    return TestClient(app, raise_server_exceptions=False)


def test_a_locked_database_is_a_503_problem_in_the_api(platform: Platform) -> None:
    with _app_with_a_busy_route(platform) as client:
        client.cookies.set("ov_lang", "en")
        response = client.get("/api/v1/test-busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "kernel.busy"
    assert "Nothing was saved" in response.json()["detail"]


def test_a_locked_database_is_a_busy_page_in_chinese_too(platform: Platform) -> None:
    with _app_with_a_busy_route(platform) as client:
        client.cookies.set("ov_lang", "zh")
        response = client.get("/test-busy")
    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert "服务当前非常繁忙，您的信息未被保存，请稍后再试。" in response.text
