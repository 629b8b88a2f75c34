"""Posting notifications to the merchant: keep-alive HTTP/1.1 connections, pooled per host.

A gateway sends hundreds of notifications a second to a handful of merchant URLs; a
general-purpose client (httpx) spends more CPU per request than the merchant spends
settling. This is the small part of HTTP/1.1 a notifier needs: POST with a body, read
the status and the (content-length or chunked) body, keep the connection for the next
one. ``https`` URLs go through httpx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx


class DeliveryError(OSError):
    """The merchant could not be reached or answered something that is not HTTP."""


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class NotifyClient:
    def __init__(self, *, timeout: float = 10.0, max_per_host: int = 64) -> None:
        self.timeout = timeout
        self.max_per_host = max_per_host
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._slots: dict[tuple[str, int], asyncio.Semaphore] = {}
        self._https: httpx.AsyncClient | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POSTs ``body`` and returns the status; raises :class:`DeliveryError`."""
        parts = urlsplit(url)
        if parts.scheme == "https":
            return await self._post_https(url, body, headers)
        if parts.scheme != "http" or not parts.hostname:
            raise DeliveryError(f"cannot deliver to {url!r}")
        host, port = parts.hostname, parts.port or 80
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        head = f"POST {target} HTTP/1.1\r\nhost: {parts.netloc}\r\ncontent-length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() not in ("host", "content-length"))
        request = (head + "\r\n").encode("latin-1") + body
        key = (host, port)
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
                        status, keep = await self._exchange(connection, request)
                    except (OSError, asyncio.IncompleteReadError, DeliveryError):
                        if not reused:
                            raise
                        # the merchant closed an idle connection: once more on a fresh one
                        connection.close()
                        connection = _Connection(*await asyncio.open_connection(host, port))
                        status, keep = await self._exchange(connection, request)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                if connection is not None:
                    connection.close()
                raise DeliveryError(str(exc) or type(exc).__name__) from exc
            if keep:
                idle.append(connection)
            else:
                connection.close()
            return status

    @staticmethod
    async def _exchange(connection: _Connection, request: bytes) -> tuple[int, bool]:
        connection.writer.write(request)
        head = await connection.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status_line = lines[0].split(b" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
            raise DeliveryError("not an HTTP/1.x answer")
        status = int(status_line[1])
        length, chunked, keep = 0, False, status_line[0] == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = value.strip().lower() != b"close"
        if chunked:
            while True:
                size = int((await connection.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await connection.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await connection.reader.readexactly(length)
        return status, keep

    async def _post_https(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if self._https is None:
            self._https = httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await self._https.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise DeliveryError(str(exc)) from exc
        return response.status_code

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        if self._https is not None:
            await self._https.aclose()
