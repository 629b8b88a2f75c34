"""``onevisit payments …``: the channel simulator, polling lost notifications, refunds, reconciliation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

payments_app = typer.Typer(help="Payments: channel simulator, polling, reconciliation.", no_args_is_help=True)
console = Console(stderr=True)


@payments_app.command("simulator")
def simulator(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8100,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    behaviour: Annotated[
        str, typer.Option(help='Misbehaviour as JSON, e.g. {"drop_rate": 0.1, "duplicate_rate": 0.2}')
    ] = "{}",
    statement_dir: Annotated[Path | None, typer.Option(help="Also write each statement file here.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed the misbehaviour dice (reproducible runs).")] = None,
) -> None:
    """Run the payment-channel simulator (Alipay-, WeChat Pay-, UnionPay-style, bank counter)."""
    from onevisit.payments.simulator.app import Behaviour
    from onevisit.payments.simulator.run import serve

    rates = Behaviour()
    try:
        rates.update(json.loads(behaviour))
    except ValueError as exc:
        console.print(f"[red]--behaviour:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"Payment-channel simulator on http://{host}:{port} ({rates})")
    serve(host=host, port=port, behaviour=rates, statement_dir=statement_dir, seed=seed, secret=None)


@payments_app.command("poll")
def poll(
    older_than: Annotated[int, typer.Option(help="Query orders pending longer than this (seconds).")] = 30,
) -> None:
    """Query the channels about pending orders (lost notifications); send refunds; register receipts."""
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings
    from onevisit.payments.channels.gateway import gateways_for
    from onevisit.payments.services.orders import poll_pending
    from onevisit.payments.services.receipts import registrar_for
    from onevisit.payments.services.refunds import send_pending_refunds

    platform = Platform(get_settings())
    gateways = gateways_for(platform)
    counts = poll_pending(platform, gateways, older_than_seconds=older_than)
    refunds = send_pending_refunds(platform, gateways)
    registered = registrar_for(platform).register()
    console.print(f"Polled: {counts or 'nothing pending'}; refunds sent: {refunds}; receipts registered: {registered}")


@payments_app.command("reconcile")
def reconcile(
    day: Annotated[str, typer.Option(help="Statement date (UTC), default yesterday.")] = "",
    channel: Annotated[list[str] | None, typer.Option(help="Channel(s); default all.")] = None,
) -> None:
    """Reconcile the platform's records with each channel's statement file for one day."""
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings
    from onevisit.payments.channels.gateway import gateways_for
    from onevisit.payments.services.reconciliation import reconcile as run

    platform = Platform(get_settings())
    gateways = gateways_for(platform)
    when = dt.date.fromisoformat(day) if day else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    dirty = 0
    for name in channel or gateways.names:
        report = run(platform, gateways, name, when)
        dirty += len(report.mismatches)
        console.print(
            f"{name} {when}: {report.lines} lines, {report.matched} matched, {report.repaired} repaired, "
            f"{len(report.mismatches)} mismatches"
        )
        for kind, entry_type, reference, ours, theirs in report.mismatches:
            console.print(f"  {kind:8} {entry_type:8} {reference}  platform={ours} channel={theirs}")
    raise typer.Exit(1 if dirty else 0)
