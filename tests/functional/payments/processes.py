"""Real processes for end-to-end payment tests: the channel simulator and the web server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import Gateways, build_gateways, install_gateways
from onevisit.payments.config import PaymentsConfig
from tests.common.liveserver import free_port

CHANNEL_SECRET = "test-channel-secret-for-the-simulator"


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def simulator_process(behaviour: dict[str, Any], *, seed: int = 1) -> Iterator[str]:
    """``onevisit payments simulator`` as its own process; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "onevisit.payments.simulator",
            "--port",
            str(port),
            "--secret",
            CHANNEL_SECRET,
            "--behaviour",
            json.dumps(behaviour),
            "--seed",
            str(seed),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/healthz")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()


def platform_gateways(platform: Platform, simulator_url: str, notify_base: str) -> Gateways:
    config = PaymentsConfig(gateway_url=simulator_url, channel_secret=CHANNEL_SECRET)
    gateways = build_gateways(platform, config, notify_base=notify_base)
    install_gateways(platform, gateways)
    return gateways


class ServerProcess:
    """``uvicorn onevisit.app:create_app`` on the test's database, killable with SIGKILL."""

    def __init__(self, platform: Platform, simulator_url: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = platform.settings
        self.env = {
            **os.environ,
            "ONEVISIT_ENVIRONMENT": "development",
            "ONEVISIT_DATABASE_URL": settings.database_url,
            "ONEVISIT_SECRET_KEY": settings.secret_key,
            "ONEVISIT_BASE_URL": self.url,
            "ONEVISIT_PAYMENTS_GATEWAY_URL": simulator_url,
            "ONEVISIT_PAYMENTS_CHANNEL_SECRET": CHANNEL_SECRET,
            "ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS": "0",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.gettempdir()) / f"onevisit-server-{self.port}.log"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "onevisit.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        wait_for(self.url + "/healthz")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.proc.kill()
            self.proc = None
