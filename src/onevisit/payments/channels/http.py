"""A lean asyncio HTTP/1.1 client: keep-alive connections, pooled per host and event loop.

The platform registers orders at WeChat Pay and the bank counter, and a gateway sends
notifications, hundreds of times a second to a handful of hosts; a general-purpose client
(httpx) spends more CPU per request than the other side spends answering. This is the
small part of HTTP/1.1 they need: a request with a body; the status, headers and the
(content-length or chunked) body of the answer; the connection kept for the next one.
``https`` URLs go through httpx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


class DeliveryError(OSError):
    """The other side could not be reached or answered something that is not HTTP."""


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    content: bytes


class AsyncHttp:
    """Connections are bound to the event loop that opened them, so the pool is kept per
    loop (a web process has one; tests may run several)."""

    def __init__(self, *, timeout: float = 10.0, max_per_host: int = 64) -> None:
        self.timeout = timeout
        self.max_per_host = max_per_host
        self._idle: dict[tuple[asyncio.AbstractEventLoop, str, int], list[_Connection]] = {}
        self._slots: dict[tuple[asyncio.AbstractEventLoop, str, int], asyncio.Semaphore] = {}
        self._https: httpx.AsyncClient | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POSTs ``body`` and returns the status; raises :class:`DeliveryError`."""
        return (await self.request("POST", url, body, headers)).status

    async def request(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """One request; raises :class:`DeliveryError` if there is no HTTP answer."""
        parts = urlsplit(url)
        if parts.scheme == "https":
            return await self._https_request(method, url, body, headers)
        if parts.scheme != "http" or not parts.hostname:
            raise DeliveryError(f"cannot send to {url!r}")
        host, port = parts.hostname, parts.port or 80
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        head = f"{method} {target} HTTP/1.1\r\nhost: {parts.netloc}\r\ncontent-length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() not in ("host", "content-length"))
        request = (head + "\r\n").encode("latin-1") + body
        key = (asyncio.get_running_loop(), host, port)
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = asyncio.Semaphore(self.max_per_host)
        async with slots:
            idle = self._idle.setdefault(key, [])
            reused = bool(idle)
            connection = idle.pop() if idle else None
            try:
                async with asyncio.timeout(self.timeout):
                    if connection is None:
                        connection = _Connection(*await asyncio.open_connection(host, port))
                    try:
                        answer, keep = await self._exchange(connection, request)
                    except (OSError, asyncio.IncompleteReadError, DeliveryError):
                        if not reused:
                            raise
                        # the other side closed an idle connection: once more on a fresh one
                        connection.close()
                        connection = _Connection(*await asyncio.open_connection(host, port))
                        answer, keep = await self._exchange(connection, request)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                if connection is not None:
                    connection.close()
                raise DeliveryError(str(exc) or type(exc).__name__) from exc
            if keep:
                idle.append(connection)
            else:
                connection.close()
            return answer

    @staticmethod
    async def _exchange(connection: _Connection, request: bytes) -> tuple[Answer, bool]:
        connection.writer.write(request)
        head = await connection.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status_line = lines[0].split(b" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
            raise DeliveryError("not an HTTP/1.x answer")
        status = int(status_line[1])
        length, chunked, keep = 0, False, status_line[0] == b"HTTP/1.1"
        headers: dict[str, str] = {}
        for line in lines[1:]:
            raw_name, _, raw_value = line.partition(b":")
            name, value = raw_name.strip().lower().decode("latin-1"), raw_value.strip().decode("latin-1")
            if not name:
                continue
            headers[name] = value
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                keep = value.lower() != "close"
        content = b""
        if chunked:
            parts = []
            while True:
                size = int((await connection.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append((await connection.reader.readexactly(size + 2))[:size])
                if size == 0:
                    break
            content = b"".join(parts)
        elif length:
            content = await connection.reader.readexactly(length)
        return Answer(status, headers, content), keep

    async def _https_request(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        if self._https is None:
            self._https = httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await self._https.request(method, url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        if self._https is not None:
            await self._https.aclose()
