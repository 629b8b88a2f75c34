"""Shared helpers for the benchmarks: machine facts, writing results, a lean keep-alive
HTTP/1.1 client, CPU accounting from /proc, fresh PostgreSQL databases."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)  # noqa: S607
    except OSError:
        return None
    return out.stdout.strip() or None


def write_result(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps({"benchmark": name, "machine": machine(), **figures}, indent=2, ensure_ascii=False) + "\n"
    )
    return path


def free_port() -> int:
    """A free TCP port on loopback (for the servers a benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60) -> None:
    """Polls ``url`` until it answers without a server error, or raises after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


# --- CPU accounting from /proc ----------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU accounting from /proc ----------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process, its live descendants, and the children
    it has already reaped (PostgreSQL's backends that ended)."""
    total = 0.0
    stack = [root]
    while stack:
        pid = stack.pop()
        fields = _stat(pid)
        if fields is None:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICKS
        stack += _children(pid)
    return total


def postmaster_pid(port: int) -> int | None:
    for proc in Path("/proc").iterdir():
        name = proc.name
        if not name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and b"-p" in args:
            i = args.index(b"-p")
            if i + 1 < len(args) and args[i + 1] == str(port).encode():
                return int(name)
    return None


class CpuMeter:
    def __init__(self, groups: dict[str, int | None]) -> None:
        self.groups = {k: v for k, v in groups.items() if v}
        self.start: dict[str, float] = {}

    def snapshot(self) -> dict[str, float]:
        values = {name: tree_cpu(pid) for name, pid in self.groups.items()}
        values["bench client"] = time.process_time()
        return values

    def begin(self) -> None:
        self.start = self.snapshot()

    def per_item_ms(self, items: int) -> dict[str, float]:
        """CPU milliseconds per item (payment, application) of each process since ``begin``."""
        end = self.snapshot()
        spent = {k: (end[k] - self.start[k]) * 1000 / max(items, 1) for k in end}
        spent["total"] = sum(spent.values())
        return {k: round(v, 3) for k, v in spent.items()}


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# --- a lean keep-alive HTTP/1.1 client, so the bench itself eats little CPU -------------


class Connection:
    """A keep-alive HTTP/1.1 connection, so the bench itself eats little CPU."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, target: str, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> tuple[int, bytes]:
        reused = self.writer is not None
        try:
            return await self._request(method, target, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not reused:
                raise
            # the server closed a connection left idle past its keep-alive timeout (uvicorn:
            # 5 s) as it was reused: once more on a new one (applications carry their key)
            self.writer = None
            return await self._request(method, target, body, headers)

    async def _request(
        self, method: str, target: str, body: bytes, headers: Iterable[tuple[str, str]]
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {target} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\ncontent-length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        self.writer.write(head.encode("latin-1") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)


def fresh_database(pg_url: str, name: str) -> str:
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name
