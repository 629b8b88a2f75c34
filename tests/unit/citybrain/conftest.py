"""Shared fixtures for the traffic-signal tests: scenario paths and a tiny hand-made network."""

from __future__ import annotations

from pathlib import Path

import pytest

from onevisit.citybrain.traffic.bench import default_data_dir
from tests.unit.citybrain.nets import tiny_net_text


@pytest.fixture
def tiny_net(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.net.xml"
    path.write_text(tiny_net_text())
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = default_data_dir()
    if not (path / "resco_cologne1").is_dir():
        pytest.skip(f"benchmark data not found at {path}; set ONEVISIT_TRAFFIC_DATA")
    return path
