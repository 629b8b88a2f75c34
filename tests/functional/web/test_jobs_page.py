"""The periodic jobs page: administrators see every job with its last run and error, and
can make one due now; nobody else sees it."""

from __future__ import annotations

from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform
from onevisit.kernel.worker import Worker, job_rows
from tests.common.factories import make_clerk, make_department
from tests.functional.conftest import Browser


def broken(platform: Platform) -> int:
    raise RuntimeError("channel statement not found")


def test_administrators_see_runs_and_errors_and_can_run_a_job_now(
    client: Browser, platform: Platform, clock: FrozenClock
) -> None:
    department = make_department(platform)
    _, admin, _ = make_clerk(platform, department, role="administrator", name="省管理员")
    _, clerk, _ = make_clerk(platform, department, name="文员")
    jobs: list[PeriodicJob] = client.app.state.periodic_jobs  # type: ignore[attr-defined]
    names = [job.name for job in jobs]
    assert {"kernel.outbox", "ledger.sign_heads", "datahub.anchor", "datahub.expire_requests"} <= set(names)

    client.login(clerk)
    assert client.get("/staff/jobs").status_code == 403
    assert 'href="/staff/jobs"' not in client.get("/staff").text
    client.cookies.clear()

    client.login(admin)
    assert 'href="/staff/jobs"' in client.get("/staff").text
    page = client.get("/staff/jobs")
    assert page.status_code == 200 and 'id="worker-stalled"' in page.text  # no worker has run anything
    Worker(platform, [*jobs, PeriodicJob("test.broken", 60, broken, "a job that fails")]).run_once()
    client.app.state.periodic_jobs = [*jobs, PeriodicJob("test.broken", 60, broken, "a job that fails")]  # type: ignore[attr-defined]
    page = client.get("/staff/jobs")
    assert 'id="worker-stalled"' not in page.text
    assert "RuntimeError: channel statement not found" in page.text
    assert "datahub.anchor" in page.text
    due_before = job_rows(platform)["datahub.anchor"].next_due_at
    ran = client.submit("/staff/jobs", "/staff/jobs/datahub.anchor/run", {}, follow_redirects=False)
    assert ran.status_code == 303 and "notice=job_run_requested" in ran.headers["location"]
    assert job_rows(platform)["datahub.anchor"].next_due_at == clock.now() < due_before
    assert client.submit("/staff/jobs", "/staff/jobs/no.such.job/run", {}).status_code == 404
