"""The simulator's ASGI app (Starlette). State is in memory: one process is one gateway."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import html
import io
import json
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from onevisit.kernel.money import yuan
from onevisit.payments.channels import wire
from onevisit.payments.channels.http import AsyncHttp, DeliveryError
from onevisit.payments.channels.wire import CLOSED, PAID, ChannelEvent, Keys, WireError

log = logging.getLogger("onevisit.payments.simulator")

NAMES = {
    "alipay": ("支付宝（模拟）", "Alipay-style"),
    "wechat": ("微信支付（模拟）", "WeChat Pay-style"),
    "unionpay": ("云闪付（模拟）", "UnionPay-style"),
    "counter": ("银行柜台（模拟）", "Bank counter"),
}


@dataclass
class Behaviour:
    """Misbehaviour rates (0..1) and delays (seconds): an honest gateway is not a perfect one."""

    delay_min: float = 0.0
    delay_max: float = 0.2
    duplicate_rate: float = 0.05
    drop_rate: float = 0.02
    #: Chance that a payment is declined at the payment page (insufficient balance).
    decline_rate: float = 0.0
    #: How often a refused or failed notification is retried, and the first back-off.
    max_attempts: int = 5
    retry_seconds: float = 0.5

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if not hasattr(self, key):
                raise ValueError(f"unknown setting {key}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a number")
            setattr(self, key, type(getattr(self, key))(value))


@dataclass
class SimOrder:
    channel: str
    order_number: str
    trade_no: str
    amount_fen: int
    subject: str
    notify_url: str
    return_url: str
    status: str = "waiting"
    paid_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    refunded_fen: int = 0


@dataclass
class SimRefund:
    refund_no: str
    order_number: str
    amount_fen: int
    at: dt.datetime


@dataclass
class State:
    keys: dict[str, Keys]
    behaviour: Behaviour
    statement_dir: Path | None
    orders: dict[tuple[str, str], SimOrder] = field(default_factory=dict)
    by_trade: dict[str, SimOrder] = field(default_factory=dict)
    refunds: dict[tuple[str, str], SimRefund] = field(default_factory=dict)
    sent: int = 0
    delivered: int = 0
    dropped: int = 0
    rng: random.Random = field(default_factory=random.Random)


def auto_pay_url(pay_url: str) -> str:
    """The automated payer's endpoint for a pay URL (bench and tests confirm there, as a
    payer would with the page's button)."""
    path, sep, query = pay_url.partition("?")
    return path + "/auto" + sep + query


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(at: dt.datetime | None) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def create_simulator(  # noqa: PLR0915 - the app's routes close over its state, as one unit
    secret: bytes, *, behaviour: Behaviour | None = None, statement_dir: Path | None = None, seed: int | None = None
) -> Starlette:
    state = State(
        keys={c: Keys.derive(secret, c) for c in wire.CHANNELS},
        behaviour=behaviour or Behaviour(),
        statement_dir=statement_dir,
    )
    if seed is not None:
        state.rng.seed(seed)
    client: dict[str, AsyncHttp] = {}
    tasks: set[asyncio.Task[None]] = set()

    def http() -> AsyncHttp:
        if "c" not in client:
            client["c"] = AsyncHttp(timeout=10)
        return client["c"]

    def signed(channel: str, payload: dict[str, Any], status: int = 200) -> Response:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = wire.sign_answer(state.keys[channel], body, int(time.time()), secrets.token_hex(8))
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    async def authenticated(request: Request) -> tuple[str, bytes] | Response:
        channel = request.path_params["channel"]
        if channel not in state.keys:
            return JSONResponse({"error": "unknown channel"}, status_code=404)
        body = await request.body()
        if not wire.verify_request(state.keys[channel], request.method, request.url.path, request.headers, body):
            return JSONResponse({"error": "merchant signature invalid"}, status_code=401)
        return channel, body

    # --- notifications ---------------------------------------------------------------
    async def deliver(order: SimOrder, event: ChannelEvent, delay: float) -> None:
        await asyncio.sleep(delay)
        keys = state.keys[order.channel]
        wait = state.behaviour.retry_seconds
        for _attempt in range(max(1, state.behaviour.max_attempts)):
            headers, body = wire.encode_notification(keys, event, secrets.token_hex(8))
            state.sent += 1
            try:
                if await http().post(order.notify_url, body, headers) == 200:
                    state.delivered += 1
                    return
            except DeliveryError:
                pass
            await asyncio.sleep(wait)
            wait = min(wait * 2, 30)

    def notify(order: SimOrder, status: str) -> None:
        b = state.behaviour
        at = order.paid_at if status == PAID else order.closed_at
        if at is None:  # pragma: no cover - pay() sets it first
            return
        event = ChannelEvent(
            order.channel,
            "N" + secrets.token_hex(10),
            order.order_number,
            order.trade_no,
            order.amount_fen,
            status,
            at,
            int(time.time()),
        )
        if state.rng.random() < b.drop_rate:
            state.dropped += 1
            return
        copies = 2 if state.rng.random() < b.duplicate_rate else 1
        for _ in range(copies):
            delay = state.rng.uniform(b.delay_min, max(b.delay_min, b.delay_max))
            task = asyncio.get_running_loop().create_task(deliver(order, event, delay))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    def pay(order: SimOrder, confirm: bool) -> None:
        if order.status != "waiting":
            return
        if confirm and state.rng.random() >= state.behaviour.decline_rate:
            order.status, order.paid_at = PAID, _now()
            notify(order, PAID)
        else:
            order.status, order.closed_at = CLOSED, _now()
            notify(order, CLOSED)

    # --- merchant API ----------------------------------------------------------------
    async def create_order(request: Request) -> Response:
        auth = await authenticated(request)
        if isinstance(auth, Response):
            return auth
        channel, body = auth
        try:
            data = json.loads(body)
            number, amount = str(data["order_number"]), data["amount_fen"]
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValueError("amount")
        except (ValueError, KeyError, TypeError):
            return signed(channel, {"error": "malformed order"}, 400)
        existing = state.orders.get((channel, number))
        if existing is not None:
            if existing.amount_fen != amount:
                return signed(channel, {"error": "order number reused with another amount"}, 409)
            order = existing
        else:
            trade_no = channel[:2].upper() + _now().strftime("%Y%m%d") + secrets.token_hex(8)
            order = SimOrder(
                channel,
                number,
                trade_no,
                amount,
                str(data.get("subject", ""))[:200],
                str(data["notify_url"]),
                str(data.get("return_url", "")),
            )
            state.orders[(channel, number)] = order
            state.by_trade[trade_no] = order
        base = str(request.base_url).rstrip("/")
        return signed(channel, {"trade_no": order.trade_no, "pay_url": f"{base}/{channel}/pay/{order.trade_no}"})

    async def query_order(request: Request) -> Response:
        auth = await authenticated(request)
        if isinstance(auth, Response):
            return auth
        channel, _ = auth
        order = state.orders.get((channel, request.path_params["number"]))
        if order is None:
            return signed(channel, {"error": "no such order"}, 404)
        return signed(
            channel,
            {
                "order_number": order.order_number,
                "trade_no": order.trade_no,
                "status": order.status,
                "amount_fen": order.amount_fen,
                "paid_at": _iso(order.paid_at),
                "closed_at": _iso(order.closed_at),
                "refunded_fen": order.refunded_fen,
                "timestamp": int(time.time()),
            },
        )

    async def refund(request: Request) -> Response:
        auth = await authenticated(request)
        if isinstance(auth, Response):
            return auth
        channel, body = auth
        try:
            data = json.loads(body)
            number, refund_no, amount = str(data["order_number"]), str(data["refund_no"]), data["amount_fen"]
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValueError("amount")
        except (ValueError, KeyError, TypeError):
            return signed(channel, {"error": "malformed refund"}, 400)
        done = state.refunds.get((channel, refund_no))
        if done is not None:
            if done.amount_fen != amount or done.order_number != number:
                return signed(channel, {"error": "refund number reused"}, 409)
            return signed(
                channel,
                {
                    "status": "refunded",
                    "refund_no": refund_no,
                    "amount_fen": amount,
                    "refunded_at": done.at.isoformat(),
                },
            )
        order = state.orders.get((channel, number))
        if order is None or order.status != PAID:
            return signed(channel, {"status": "refused", "error": "order not paid"}, 409)
        if order.refunded_fen + amount > order.amount_fen:
            return signed(channel, {"status": "refused", "error": "exceeds what was paid"}, 409)
        order.refunded_fen += amount
        record = SimRefund(refund_no, number, amount, _now())
        state.refunds[(channel, refund_no)] = record
        return signed(
            channel,
            {"status": "refunded", "refund_no": refund_no, "amount_fen": amount, "refunded_at": record.at.isoformat()},
        )

    def statement_bytes(channel: str, day: dt.date) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["type", "reference", "trade_no", "amount_fen", "time"])
        for order in state.orders.values():
            if order.channel == channel and order.paid_at and order.paid_at.date() == day:
                writer.writerow(
                    ["payment", order.order_number, order.trade_no, order.amount_fen, order.paid_at.isoformat()]
                )
        for (ch, _), r in state.refunds.items():
            if ch == channel and r.at.date() == day:
                order = state.orders[(channel, r.order_number)]
                writer.writerow(["refund", r.refund_no, order.trade_no, r.amount_fen, r.at.isoformat()])
        return out.getvalue().encode()

    async def statement(request: Request) -> Response:
        auth = await authenticated(request)
        if isinstance(auth, Response):
            return auth
        channel, _ = auth
        try:
            day = dt.date.fromisoformat(request.path_params["day"])
        except ValueError:
            return JSONResponse({"error": "bad date"}, status_code=400)
        body = statement_bytes(channel, day)
        if state.statement_dir is not None:
            state.statement_dir.mkdir(parents=True, exist_ok=True)
            (state.statement_dir / f"{channel}-{day.isoformat()}.csv").write_bytes(body)
        headers = wire.sign_answer(state.keys[channel], body, int(time.time()), secrets.token_hex(8))
        return Response(body, media_type="text/csv", headers=headers)

    # --- page pay: the order arrives signed, in the payer's URL ------------------------
    def _page_order(request: Request) -> SimOrder | Response:
        channel = request.path_params["channel"]
        if channel not in wire.PAGE_PAY_CHANNELS:
            return PlainTextResponse("no such page", status_code=404)
        try:
            fields = wire.verify_page_pay(state.keys[channel], request.url.query)
        except WireError as exc:
            return HTMLResponse(_page("订单无效 Invalid order", f"<p>{html.escape(str(exc))}</p>"), status_code=400)
        number, amount = fields["order_number"], int(fields["amount_fen"])
        order = state.orders.get((channel, number))
        if order is None:
            trade_no = channel[:2].upper() + _now().strftime("%Y%m%d") + secrets.token_hex(8)
            order = SimOrder(
                channel,
                number,
                trade_no,
                amount,
                fields["subject"][:200],
                fields["notify_url"],
                fields["return_url"],
            )
            state.orders[(channel, number)] = order
            state.by_trade[trade_no] = order
        elif order.amount_fen != amount:
            return HTMLResponse(_page("订单无效 Invalid order", "<p>order number reused</p>"), status_code=409)
        return order

    async def page_pay(request: Request) -> Response:
        order = _page_order(request)
        return order if isinstance(order, Response) else _pay_page(order)

    async def page_pay_action(request: Request) -> Response:
        order = _page_order(request)
        if isinstance(order, Response):
            return order
        form = await request.form()
        pay(order, form.get("action") == "confirm")
        return RedirectResponse(order.return_url or str(request.url), status_code=303)

    async def page_pay_auto(request: Request) -> Response:
        order = _page_order(request)
        if isinstance(order, Response):
            return order
        data = json.loads(await request.body() or b"{}")
        pay(order, data.get("action", "confirm") == "confirm")
        return JSONResponse({"status": order.status, "trade_no": order.trade_no})

    # --- the payer's page ------------------------------------------------------------
    def _order_by_trade(request: Request) -> SimOrder | None:
        order = state.by_trade.get(request.path_params["trade_no"])
        if order is None or order.channel != request.path_params["channel"]:
            return None
        return order

    async def pay_page(request: Request) -> Response:
        order = _order_by_trade(request)
        if order is None:
            return HTMLResponse(_page("未找到订单 Order not found", "<p>No such order.</p>"), status_code=404)
        return _pay_page(order)

    def _pay_page(order: SimOrder) -> Response:
        zh, en = NAMES[order.channel]
        amount = yuan(order.amount_fen)
        if order.status != "waiting":
            done = "已支付 Paid" if order.status == PAID else "已关闭 Closed"
            inner = f"<p>{done}</p><p><a href='{html.escape(order.return_url)}'>返回 Return to OneVisit</a></p>"
            return HTMLResponse(_page(f"{zh} · {en}", inner))
        inner = f"""
<p class="muted">收款方 Payee: OneVisit 浙江政务服务网 · 订单 Order {html.escape(order.order_number)}</p>
<p>{html.escape(order.subject)}</p>
<p class="amount">{amount}</p>
<form method="post"><input type="hidden" name="action" value="confirm">
<button type="submit" class="primary">确认支付 Confirm payment</button></form>
<form method="post"><input type="hidden" name="action" value="cancel">
<button type="submit">取消 Cancel</button></form>"""
        return HTMLResponse(_page(f"{zh} · {en}", inner))

    async def pay_action(request: Request) -> Response:
        order = _order_by_trade(request)
        if order is None:
            return PlainTextResponse("no such order", status_code=404)
        form = await request.form()
        pay(order, form.get("action") == "confirm")
        target = order.return_url or f"/{order.channel}/pay/{order.trade_no}"
        return RedirectResponse(target, status_code=303)

    async def pay_auto(request: Request) -> Response:
        """An automated payer (bench, tests): ``{"action": "confirm"|"cancel"}``."""
        order = _order_by_trade(request)
        if order is None:
            return JSONResponse({"error": "no such order"}, status_code=404)
        data = json.loads(await request.body() or b"{}")
        pay(order, data.get("action", "confirm") == "confirm")
        return JSONResponse({"status": order.status})

    async def behaviour_get(request: Request) -> Response:
        return JSONResponse(
            {
                **asdict(state.behaviour),
                "orders": len(state.orders),
                "refunds": len(state.refunds),
                "notifications_sent": state.sent,
                "notifications_delivered": state.delivered,
                "notifications_dropped": state.dropped,
                "in_flight": len(tasks),
            }
        )

    async def behaviour_put(request: Request) -> Response:
        try:
            state.behaviour.update(json.loads(await request.body()))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return await behaviour_get(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        for task in list(tasks):
            task.cancel()
        if "c" in client:
            await client["c"].aclose()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/_behaviour", behaviour_get, methods=["GET"]),
            Route("/_behaviour", behaviour_put, methods=["PUT"]),
            Route("/{channel}/orders", create_order, methods=["POST"]),
            Route("/{channel}/orders/{number}", query_order, methods=["GET"]),
            Route("/{channel}/refunds", refund, methods=["POST"]),
            Route("/{channel}/statements/{day}", statement, methods=["GET"]),
            Route("/{channel}/pay", page_pay, methods=["GET"]),
            Route("/{channel}/pay", page_pay_action, methods=["POST"]),
            Route("/{channel}/pay/auto", page_pay_auto, methods=["POST"]),
            Route("/{channel}/pay/{trade_no}", pay_page, methods=["GET"]),
            Route("/{channel}/pay/{trade_no}", pay_action, methods=["POST"]),
            Route("/{channel}/pay/{trade_no}/auto", pay_auto, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def _page(title: str, inner: str) -> str:
    return f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}}
.amount{{font-size:2.4rem;font-weight:bold}}.muted{{color:#666;font-size:.9rem}}
button{{font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem 0;width:100%}}
.primary{{background:#1677ff;color:#fff;border:0}}
.sim{{background:#fff3cd;padding:.4rem .6rem;font-size:.8rem}}</style></head><body>
<p class="sim">模拟支付渠道 · Payment channel simulator (no real money)</p>
<h1>{html.escape(title)}</h1>{inner}</body></html>"""
