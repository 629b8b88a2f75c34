"""Payment test helpers: an in-process channel simulator, bills, signed notifications."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from onevisit.identity.models import Department, Person
from onevisit.kernel.platform import Platform
from onevisit.payments.channels import wire
from onevisit.payments.channels.gateway import Gateways, HttpChannel, install_gateways
from onevisit.payments.channels.wire import ChannelEvent, Keys
from onevisit.payments.models import Bill, BillKind
from onevisit.payments.services.bills import create_bill
from onevisit.payments.simulator.app import Behaviour, auto_pay_url, create_simulator

SECRET = b"s" * 32
SIM_BASE = "http://sim.test"


@contextmanager
def in_process_simulator(
    platform: Platform, *, notify_base: str = "http://127.0.0.1:9", **rates: Any
) -> Iterator[tuple[TestClient, Gateways]]:
    """The real simulator app, served in-process; its notifications go to ``notify_base``
    (unreachable by default: tests then deliver notifications or query, as they choose)."""
    behaviour = Behaviour(delay_max=0.0, duplicate_rate=0.0, drop_rate=0.0, max_attempts=1, retry_seconds=0.01)
    behaviour.update(rates)
    app = create_simulator(SECRET, behaviour=behaviour, seed=7)
    with TestClient(app, base_url=SIM_BASE) as client:
        channels = {
            name: HttpChannel(name, SIM_BASE, Keys.derive(SECRET, name, with_private=False), client)
            for name in wire.CHANNELS
        }
        gateways = Gateways(channels, notify_base=notify_base, return_base="http://127.0.0.1")
        install_gateways(platform, gateways)
        yield client, gateways


def department(platform: Platform, code: str = "ZJ-PSB") -> Department:
    from tests.common.factories import make_department

    return make_department(platform, code=code, name_zh="浙江省公安厅", name_en="Zhejiang PSB")


def bill_for(
    platform: Platform, person: Person, dep: Department, *, amount_fen: int = 20_000, reference: str | None = None
) -> Bill:
    with platform.uow() as uow:
        return create_bill(
            uow,
            kind=BillKind.TRAFFIC_FINE,
            department_id=dep.id,
            payer_person_id=person.id,
            title="交通违法罚款",
            items=[("交通违法罚款", amount_fen - 150), ("滞纳金", 150)] if amount_fen > 150 else [("费用", amount_fen)],
            source="test",
            reference=reference or secrets.token_hex(6),
        )


def pay_at_simulator(client: TestClient, order_pay_url: str, action: str = "confirm") -> None:
    response = client.post(auto_pay_url(order_pay_url).removeprefix(SIM_BASE), json={"action": action})
    assert response.status_code == 200, response.text


def event(order_number: str, amount_fen: int, channel: str = "alipay", **changes: Any) -> ChannelEvent:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    base = ChannelEvent(
        channel=channel,
        notify_id="N" + secrets.token_hex(8),
        order_number=order_number,
        trade_no="T1",
        amount_fen=amount_fen,
        status=wire.PAID,
        at=now,
        timestamp=int(time.time()),
    )
    return ChannelEvent(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def signed(ev: ChannelEvent, secret: bytes = SECRET) -> tuple[dict[str, str], bytes]:
    return wire.encode_notification(Keys.derive(secret, ev.channel), ev, secrets.token_hex(8))
