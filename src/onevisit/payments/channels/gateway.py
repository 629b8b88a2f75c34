"""The channel interface and its HTTP adapter (for the simulator and gateways speaking its API).

Every call to a gateway is signed with the merchant key; every answer that could change
state (a query, a refund, a statement) must carry the gateway's signature, or it is ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from starlette.concurrency import run_in_threadpool

from onevisit.kernel.errors import AppError
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.payments.channels import wire
from onevisit.payments.channels.http import Answer, AsyncHttp, DeliveryError
from onevisit.payments.channels.wire import ChannelEvent, Keys, WireError
from onevisit.payments.config import PaymentsConfig, get_payments_config
from onevisit.payments.errors import PaymentError


class ChannelUnavailable(AppError):
    status = 503


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    trade_no: str | None  # None for page pay: the channel numbers the trade when the payer arrives
    pay_url: str


@dataclass(frozen=True, slots=True)
class RefundAnswer:
    refund_no: str
    ok: bool
    at: dt.datetime | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_type: str  # payment / refund
    reference: str  # order number (payment) or refund number (refund)
    trade_no: str
    amount_fen: int
    at: dt.datetime


class Channel(Protocol):
    name: str

    @property
    def page_pay(self) -> bool: ...

    def create_order(
        self, *, order_number: str, amount_fen: int, subject: str, notify_url: str, return_url: str
    ) -> CreatedOrder: ...

    async def create_order_async(
        self, *, order_number: str, amount_fen: int, subject: str, notify_url: str, return_url: str
    ) -> CreatedOrder: ...

    def query(self, order_number: str) -> ChannelEvent | None: ...

    def refund(self, *, order_number: str, refund_number: str, amount_fen: int) -> RefundAnswer: ...

    def statement(self, day: dt.date) -> tuple[list[StatementLine], bytes]: ...

    def decode_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelEvent: ...


def _unavailable(channel: str) -> ChannelUnavailable:
    return ChannelUnavailable(
        PaymentError.CHANNEL_UNAVAILABLE,
        N_("The payment channel %(channel)s is not answering. Please try again in a few minutes."),
        params={"channel": channel},
    )


class HttpChannel:
    """A gateway reached over HTTP at ``{base_url}/{name}``."""

    def __init__(
        self, name: str, base_url: str, keys: Keys, client: httpx.Client, async_client: AsyncHttp | None = None
    ) -> None:
        self.name = name
        self.base = base_url.rstrip("/") + "/" + name
        self.keys = keys
        self.client = client
        #: for the web process's calls (no thread, far less CPU than httpx); None: use ``client``
        self.async_client = async_client

    def _request(self, method: str, path: str, payload: dict[str, Any] | None) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        headers = wire.sign_request(
            self.keys, method, "/" + self.name + path, body, timestamp=int(time.time()), nonce=secrets.token_hex(8)
        )
        headers["content-type"] = "application/json"
        return body, headers

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> httpx.Response:
        body, headers = self._request(method, path, payload)
        try:
            return self.client.request(method, self.base + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _unavailable(self.name) from exc

    def _signed_json(self, response: httpx.Response | Answer) -> dict[str, Any]:
        status = response.status if isinstance(response, Answer) else response.status_code
        if status >= 500:
            raise _unavailable(self.name)
        try:
            wire.verify_answer(self.keys, response.headers, response.content)
            data: dict[str, Any] = json.loads(response.content)
        except (WireError, ValueError) as exc:
            raise _unavailable(self.name) from exc
        return data

    @property
    def page_pay(self) -> bool:
        """True when the payer carries the signed order to the channel (no call to make)."""
        return self.name in wire.PAGE_PAY_CHANNELS

    def create_order(
        self, *, order_number: str, amount_fen: int, subject: str, notify_url: str, return_url: str
    ) -> CreatedOrder:
        if self.page_pay:
            query = wire.page_pay_query(
                self.keys,
                order_number=order_number,
                amount_fen=amount_fen,
                subject=subject,
                notify_url=notify_url,
                return_url=return_url,
                timestamp=int(time.time()),
            )
            return CreatedOrder(trade_no=None, pay_url=f"{self.base}/pay?{query}")
        payload = {
            "order_number": order_number,
            "amount_fen": amount_fen,
            "subject": subject,
            "notify_url": notify_url,
            "return_url": return_url,
        }
        return self._created(self._signed_json(self._call("POST", "/orders", payload)))

    async def create_order_async(
        self, *, order_number: str, amount_fen: int, subject: str, notify_url: str, return_url: str
    ) -> CreatedOrder:
        """:meth:`create_order` without a thread: on the event loop, on pooled connections."""
        fields = {
            "order_number": order_number,
            "amount_fen": amount_fen,
            "subject": subject,
            "notify_url": notify_url,
            "return_url": return_url,
        }
        if self.page_pay or self.async_client is None:
            return await run_in_threadpool(lambda: self.create_order(**fields))  # type: ignore[arg-type]
        body, headers = self._request("POST", "/orders", fields)
        try:
            answer = await self.async_client.request("POST", self.base + "/orders", body, headers)
        except DeliveryError as exc:
            raise _unavailable(self.name) from exc
        return self._created(self._signed_json(answer))

    def _created(self, data: dict[str, Any]) -> CreatedOrder:
        if "trade_no" not in data:
            raise AppError(
                PaymentError.CHANNEL_REFUSED,
                N_("The payment channel refused the order: %(reason)s"),
                status=502,
                params={"reason": str(data.get("error", "?"))},
            )
        return CreatedOrder(trade_no=str(data["trade_no"]), pay_url=str(data["pay_url"]))

    def query(self, order_number: str) -> ChannelEvent | None:
        response = self._call("GET", f"/orders/{order_number}")
        if response.status_code == 404:
            return None
        data = self._signed_json(response)
        if data.get("order_number") != order_number:
            raise _unavailable(self.name)
        return wire.event_from_answer(self.name, data)

    def refund(self, *, order_number: str, refund_number: str, amount_fen: int) -> RefundAnswer:
        data = self._signed_json(
            self._call(
                "POST", "/refunds", {"order_number": order_number, "refund_no": refund_number, "amount_fen": amount_fen}
            )
        )
        ok = data.get("status") == "refunded" and data.get("amount_fen") == amount_fen
        at = dt.datetime.fromisoformat(str(data["refunded_at"])) if ok and data.get("refunded_at") else None
        return RefundAnswer(refund_no=refund_number, ok=ok, at=at, reason=str(data.get("error", "")))

    def statement(self, day: dt.date) -> tuple[list[StatementLine], bytes]:
        response = self._call("GET", f"/statements/{day.isoformat()}")
        if response.status_code != 200:
            raise _unavailable(self.name)
        try:
            wire.verify_answer(self.keys, response.headers, response.content)
        except WireError as exc:
            raise _unavailable(self.name) from exc
        return parse_statement(response.content), response.content

    def decode_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelEvent:
        return wire.decode_notification(self.keys, headers, body)


STATEMENT_HEADER = ["type", "reference", "trade_no", "amount_fen", "time"]


def parse_statement(content: bytes) -> list[StatementLine]:
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    lines: list[StatementLine] = []
    header = next(reader, None)
    if header != STATEMENT_HEADER:
        raise ValueError("not a statement file")
    for row in reader:
        if not row or row[0].startswith("#"):
            continue
        entry_type, reference, trade_no, amount, at = row
        lines.append(StatementLine(entry_type, reference, trade_no, int(amount), dt.datetime.fromisoformat(at)))
    return lines


class Gateways:
    """The configured channels, by name."""

    def __init__(self, channels: Mapping[str, Channel], *, notify_base: str, return_base: str) -> None:
        self.channels = dict(channels)
        self.notify_base = notify_base.rstrip("/")
        self.return_base = return_base.rstrip("/")

    def get(self, name: str) -> Channel:
        channel = self.channels.get(name)
        if channel is None:
            raise AppError(
                PaymentError.CHANNEL_UNKNOWN,
                N_("There is no payment channel called %(channel)s."),
                status=404,
                params={"channel": name},
            )
        return channel

    @property
    def names(self) -> list[str]:
        return [n for n in wire.CHANNELS if n in self.channels]


def build_gateways(
    platform: Platform, config: PaymentsConfig | None = None, *, notify_base: str | None = None
) -> Gateways:
    config = config or get_payments_config()
    secret = config.secret(platform.settings)
    client = httpx.Client(timeout=config.http_timeout_seconds, limits=httpx.Limits(max_connections=64))
    async_client = AsyncHttp(timeout=config.http_timeout_seconds)
    channels: dict[str, Channel] = {
        name: HttpChannel(name, config.gateway_url, Keys.derive(secret, name, with_private=False), client, async_client)
        for name in wire.CHANNELS
    }
    base = notify_base or platform.settings.base_url
    return Gateways(channels, notify_base=base, return_base=base)


_GATEWAYS: weakref.WeakKeyDictionary[Platform, Gateways] = weakref.WeakKeyDictionary()
_GATEWAYS_LOCK = threading.Lock()


def gateways_for(platform: Platform) -> Gateways:
    """The platform's gateways (built from settings on first use; tests may install their own).

    Built once under a lock: the HTTP client's TLS context takes a third of a second to
    load, and the first burst of requests would otherwise each build their own."""
    found = _GATEWAYS.get(platform)
    if found is None:
        with _GATEWAYS_LOCK:
            found = _GATEWAYS.get(platform)
            if found is None:
                found = _GATEWAYS[platform] = build_gateways(platform)
    return found


def install_gateways(platform: Platform, gateways: Gateways) -> None:
    with _GATEWAYS_LOCK:
        _GATEWAYS[platform] = gateways
