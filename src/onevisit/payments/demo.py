"""Outstanding bills for the demo province: traffic fines, utility bills, social-insurance
contributions (and the odd tax or medical bill), deterministic for a given seed.

Called by ``onevisit.demo.seed.seed_province`` inside its transaction; people and
enterprises are the seeded rows ``1..n``. Bills are bulk-inserted (one statement per chunk).
:func:`pay_at_simulator` pays a bill the demo wants shown paid (``onevisit.demo.applications``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import numpy as np
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy import insert, select
from starlette.applications import Starlette

from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.gateway import Channel
from onevisit.payments.models import Bill, BillKind, BillStatus, OrderStatus

MAX_PEOPLE = 5_000
MAX_ENTERPRISES = 500
_CODE = np.array(list("23456789ABCDEFGHJKLMNPQRSTUVWXYZ"))

#: (kind, department code, title, items [(name, low fen, high fen)])
PERSON_BILLS: tuple[tuple[BillKind, str, str, list[tuple[str, int, int]]], ...] = (
    (BillKind.TRAFFIC_FINE, "ZJ-PSB", "交通违法罚款（超速）", [("交通违法罚款", 5_000, 20_000)]),
    (BillKind.TRAFFIC_FINE, "ZJ-PSB", "交通违法罚款（违停）", [("交通违法罚款", 5_000, 15_000)]),
    (BillKind.UTILITY, "ZJ-HURD", "水费（本月）", [("自来水费", 1_500, 9_000), ("污水处理费", 500, 2_500)]),
    (BillKind.UTILITY, "ZJ-HURD", "燃气费（本月）", [("管道燃气费", 2_000, 15_000)]),
    (BillKind.SOCIAL_INSURANCE, "ZJ-HRSS", "城乡居民基本养老保险（年度）", [("个人缴费", 10_000, 300_000)]),
    (BillKind.SOCIAL_INSURANCE, "ZJ-HSA", "城乡居民基本医疗保险（年度）", [("个人缴费", 38_000, 38_000)]),
    (
        BillKind.MEDICAL,
        "ZJ-HEALTH",
        "门诊费用（信用就医，先诊疗后付费）",
        [("诊疗费", 1_000, 5_000), ("药品费", 500, 30_000)],
    ),
    (BillKind.TAX, "ZJ-TAX", "车船税", [("车船税", 36_000, 54_000)]),
)
ENTERPRISE_BILLS: tuple[tuple[BillKind, str, str, list[tuple[str, int, int]]], ...] = (
    (
        BillKind.SOCIAL_INSURANCE,
        "ZJ-HRSS",
        "单位社会保险费（本月）",
        [("养老保险单位缴费", 200_000, 2_000_000), ("失业保险单位缴费", 10_000, 100_000)],
    ),
    (BillKind.TAX, "ZJ-TAX", "城镇土地使用税", [("城镇土地使用税", 50_000, 900_000)]),
)


def seed_payments(uow: UnitOfWork, *, seed: int, people: int, enterprises: int) -> int:
    """Creates the demo bills; returns how many."""
    departments = {str(code): int(id_) for code, id_ in uow.session.execute(select(Department.code, Department.id))}
    rng = np.random.default_rng(seed + 6)
    now = uow.clock.now()
    today = now.date()
    rows: list[dict[str, Any]] = []

    def add(
        person: int | None, enterprise: int | None, spec: tuple[BillKind, str, str, list[tuple[str, int, int]]]
    ) -> None:
        kind, dep, title, items = spec
        if dep not in departments:
            return
        parts = [{"name": n, "amount_fen": int(rng.integers(lo, hi + 1)) // 10 * 10} for n, lo, hi in items]
        number = f"B{now:%y%m%d}{len(rows) + 1:010d}"
        rows.append(
            {
                "number": number,
                "pay_code": "".join(rng.choice(_CODE, 8)),
                "kind": str(kind),
                "department_id": departments[dep],
                "payer_person_id": person,
                "payer_enterprise_id": enterprise,
                "title": title,
                "items": parts,
                "amount_fen": sum(p["amount_fen"] for p in parts),
                "status": BillStatus.OUTSTANDING,
                "due_on": today + dt.timedelta(days=int(rng.integers(7, 60))),
                "source": "demo",
                "reference": number,
                "paid_order_id": None,
                "paid_at": None,
                "created_at": now,
            }
        )

    for person in range(1, min(people, MAX_PEOPLE) + 1):
        count = 3 if person <= 20 else int(rng.integers(0, 3))  # the demo logins live in the first households
        for index in rng.choice(len(PERSON_BILLS), size=count, replace=False):
            add(person, None, PERSON_BILLS[int(index)])
    for enterprise in range(1, min(enterprises, MAX_ENTERPRISES) + 1):
        for spec in ENTERPRISE_BILLS:
            add(None, enterprise, spec)
    for start in range(0, len(rows), 5_000):
        uow.session.execute(insert(Bill), rows[start : start + 5_000])
    uow.audit("payments.demo_bills", "bill", "demo", {"bills": len(rows)})
    return len(rows)


class _InProcess(httpx.BaseTransport):
    """Synchronous HTTP to an ASGI app in this process (the channel simulator), run on the
    portal's event loop in its own thread (the caller may have a loop of its own running)."""

    def __init__(self, app: Starlette, portal: BlockingPortal) -> None:
        self.asgi = httpx.ASGITransport(app=app)
        self.portal = portal

    async def _call(self, request: httpx.Request) -> httpx.Response:
        response = await self.asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.portal.call(self._call, request)


def pay_at_simulator(
    platform: Platform, payer: Principal, bill_number: str, *, idempotency_key: str, channel: str = "alipay"
) -> str:
    """Pays a bill as its payer would — an order, the payer's confirmation on the channel's
    page, the channel's signed answer settled exactly once, the e-receipt on the ledger — at
    the channel simulator served in this process (the seed runs without ``onevisit payments
    simulator``); returns the order's number. The simulator sends no notification: the order
    is settled by querying the channel, as the poll job settles one whose notice was lost."""
    from onevisit.payments.channels import wire
    from onevisit.payments.channels.gateway import Gateways, HttpChannel
    from onevisit.payments.config import get_payments_config
    from onevisit.payments.services import orders
    from onevisit.payments.simulator.app import Behaviour, auto_pay_url, create_simulator

    config = get_payments_config()
    secret = config.secret(platform.settings)
    quiet = Behaviour(delay_max=0.0, duplicate_rate=0.0, drop_rate=1.0, max_attempts=1)
    base = config.gateway_url.rstrip("/")
    with (
        start_blocking_portal() as portal,
        httpx.Client(transport=_InProcess(create_simulator(secret, behaviour=quiet), portal)) as client,
    ):
        channels: dict[str, Channel] = {
            name: HttpChannel(name, base, wire.Keys.derive(secret, name, with_private=False), client)
            for name in wire.CHANNELS
        }
        gateways = Gateways(channels, notify_base=platform.settings.base_url, return_base=platform.settings.base_url)
        order = orders.start_payment(
            platform, gateways, payer, bill_number=bill_number, channel=channel, idempotency_key=idempotency_key
        )
        if order.status == OrderStatus.PENDING:
            paid = client.post(auto_pay_url(order.pay_url), json={"action": "confirm"})
            if paid.status_code != 200:
                raise RuntimeError(f"the channel simulator refused the demo payment: {paid.text}")
            outcome = orders.refresh_from_channel(platform, gateways, order.number)
            if outcome != "settled":
                raise RuntimeError(f"the demo payment {order.number} was not settled: {outcome}")
        return order.number
