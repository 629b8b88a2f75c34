"""The ``onevisit`` command: serve, worker, migrate, seed the demo province, benchmarks, maintenance."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from onevisit.catalog.cli import catalog_app
from onevisit.credentials.cli import credentials_app
from onevisit.datahub.cli import datahub_app
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import SettingsError, get_settings
from onevisit.ledger.cli import ledger_app
from onevisit.payments.cli import payments_app
from onevisit.rules.cli import rules_app

app = typer.Typer(help="OneVisit: public services, at most one visit.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo province.", no_args_is_help=True)
outbox_app = typer.Typer(help="The transactional outbox.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(outbox_app, name="outbox")
citybrain_app = typer.Typer(help="City Brain: traffic-signal control.", no_args_is_help=True)
app.add_typer(citybrain_app, name="citybrain")
app.add_typer(ledger_app, name="ledger")
app.add_typer(datahub_app, name="datahub")
app.add_typer(payments_app, name="payments")
app.add_typer(rules_app, name="rules")
app.add_typer(credentials_app, name="credentials")
app.add_typer(catalog_app, name="catalog")
console = Console(stderr=True)


def _platform() -> Platform:
    try:
        return Platform(get_settings())
    except SettingsError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from onevisit.kernel.migrate import upgrade

    platform = _platform()
    upgrade(platform.db.engine)
    console.print(f"Database is at the latest schema: {platform.db.engine.url.render_as_string(hide_password=True)}")


@demo_app.command("seed")
def demo_seed(
    citizens: Annotated[int, typer.Option(min=10, max=5_000_000, help="How many citizens.")] = 2000,
    enterprises: Annotated[int, typer.Option(min=5, max=1_000_000, help="How many enterprises.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same province.")] = 20180101,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when people already exist.")] = False,
) -> None:
    """Generate and load a deterministic synthetic province."""
    from onevisit.demo.seed import ProvinceNotEmptyError, seed_province
    from onevisit.kernel.migrate import upgrade

    platform = _platform()
    upgrade(platform.db.engine)
    try:
        report = seed_province(
            platform, citizens=citizens, enterprises=enterprises, seed=seed, if_empty=if_empty, progress=True
        )
    except ProvinceNotEmptyError as exc:
        console.print(f"[yellow]{exc}[/yellow] (use --if-empty to skip, or a fresh database)")
        raise typer.Exit(1) from exc
    console.print(report.summary())


@demo_app.command("logins")
def demo_logins() -> None:
    """Print the demo accounts and their passwords."""
    from onevisit.demo.seed import print_demo_logins

    print_demo_logins(_platform())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    try:
        get_settings()
    except SettingsError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    uvicorn.run(
        "onevisit.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        proxy_headers=False,
    )


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="Which benchmark: a file in bench/ (web, seed, ledger, ...) or 'all'.")],
    args: Annotated[list[str] | None, typer.Argument(help="Options passed to the benchmark (after --).")] = None,
) -> None:
    """Run a benchmark from bench/; figures are printed and written to bench/results/."""
    import runpy

    from onevisit.kernel.settings import PROJECT_ROOT

    folder = PROJECT_ROOT / "bench"
    if not folder.is_dir():
        console.print("[red]The bench/ folder is not here:[/red] run benchmarks from a source checkout.")
        raise typer.Exit(2)
    available = sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "common"))
    names = available if name == "all" else [name]
    unknown = [n for n in names if n not in available]
    if unknown:
        console.print(f"[red]Unknown benchmark {unknown[0]!r}.[/red] Available: {', '.join(available)}, all")
        raise typer.Exit(2)
    sys.path.insert(0, str(PROJECT_ROOT))
    for one in names:
        console.rule(f"bench {one}")
        sys.argv = [f"bench/{one}.py", *(args or [])]
        try:
            runpy.run_module(f"bench.{one}", run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise typer.Exit(int(exc.code) if isinstance(exc.code, int) else 1) from exc


@citybrain_app.command(
    "bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
)
def citybrain_bench(ctx: typer.Context) -> None:
    """Signal controllers on SUMO scenarios: RESCO delay and travel time (--help for options)."""
    from onevisit.citybrain.traffic.bench import main as bench_main

    raise typer.Exit(bench_main(list(ctx.args)))


@citybrain_app.command("live")
def citybrain_live(
    *,
    scenario: Annotated[str, typer.Option(help="Scenario name (cologne1, ...) or .sumocfg path.")] = "cologne1",
    controller: Annotated[str, typer.Option(help="fixed, sotl, max-pressure or adaptive.")] = "adaptive",
    seed: Annotated[int, typer.Option(help="SUMO random seed.")] = 1,
    speed: Annotated[float, typer.Option(min=0, help="Simulated seconds per second; 0 = as fast as possible.")] = 1.0,
    duration: Annotated[float | None, typer.Option(min=1, help="Stop after this many simulated seconds.")] = None,
    state_file: Annotated[Path | None, typer.Option(help="Where to publish (var/citybrain-live.json).")] = None,
) -> None:
    """Run a simulation that the City Brain page (/citybrain) shows live."""
    from onevisit.citybrain.live import LiveOptions, run_live
    from onevisit.citybrain.live import state_file as default_state_file
    from onevisit.citybrain.traffic import TrafficError

    path = state_file or default_state_file()
    console.print(f"Publishing {scenario} under {controller} to {path} (Ctrl-C stops).")
    try:
        steps = run_live(LiveOptions(scenario, controller, seed, speed, duration), path)
    except TrafficError as exc:
        console.print(f"[red]error:[/red] {exc.message} [{exc.code.value}]")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    console.print(f"Simulated {steps} s.")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run each job once (due or not) and exit.")] = False,
    list_jobs: Annotated[bool, typer.Option("--list", help="List the jobs and their last runs, and exit.")] = False,
    job: Annotated[list[str] | None, typer.Option("--job", help="Only this job (repeatable).")] = None,
) -> None:
    """Run every module's periodic jobs (outbox, ledger heads, anchoring, ...) until stopped."""
    from onevisit.app import periodic_jobs, wire_events
    from onevisit.kernel.worker import run_worker

    platform = _platform()
    wire_events(platform)  # the outbox job delivers to the subscribers
    raise typer.Exit(run_worker(platform, periodic_jobs(platform), once=once, list_only=list_jobs, only=job or []))


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Deliver events left undelivered (after a crash between commit and delivery)."""
    platform = _platform()
    delivered = platform.deliver_pending_events()
    console.print(f"Delivered {delivered} event(s).")


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
