"""``onevisit ledger …``: keys, signing heads, exports, the offline verifier and witnesses.

Verification commands need no database and no settings: only files and public keys.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from onevisit.kernel.errors import AppError

if TYPE_CHECKING:
    from onevisit.kernel.platform import Platform

ledger_app = typer.Typer(help="The verifiable ledger: append-only Merkle logs.", no_args_is_help=True)
verify_app = typer.Typer(help="Verify exports and proofs offline, from public keys alone.", no_args_is_help=True)
witness_app = typer.Typer(help="Run or register a witness that co-signs consistent tree heads.", no_args_is_help=True)
ledger_app.add_typer(verify_app, name="verify")
ledger_app.add_typer(witness_app, name="witness")
console = Console(stderr=True)
out = Console()


def _fail(err: AppError) -> typer.Exit:
    message = err.message % dict(err.params) if err.params else err.message
    console.print(f"[red]FAILED[/red] {err.code.value}: {message}")
    return typer.Exit(1)


def _keys(pairs: list[str]) -> dict[str, bytes]:
    from onevisit.ledger.signing import parse_public_key

    keys: dict[str, bytes] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected NAME=HEX, got {pair!r}")
        keys[name.strip()] = parse_public_key(value)
    return keys


def _platform() -> Platform:
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings

    return Platform(get_settings())


@ledger_app.command("keygen")
def keygen(
    key_file: Annotated[Path, typer.Option(help="Where to write the new private key (never overwritten).")],
) -> None:
    """Create an Ed25519 key file (a ledger master seed or a witness key) and print its public key."""
    from onevisit.ledger.signing import SigningKey, write_seed_file

    key = SigningKey.generate()
    try:
        write_seed_file(key_file, key.seed())
    except FileExistsError as exc:
        console.print(f"[red]{key_file} exists; not overwriting it.[/red]")
        raise typer.Exit(2) from exc
    out.print(key.public.hex())


@ledger_app.command("public-key")
def public_key(log: Annotated[str, typer.Argument(help="The log's name.")]) -> None:
    """Print a log's public key (what verifiers and witnesses must be given)."""
    from onevisit.ledger.config import log_keys
    from onevisit.ledger.services.logs import check_log_name

    platform = _platform()
    try:
        out.print(log_keys(platform.settings).for_log(check_log_name(log)).public.hex())
    except AppError as err:
        raise _fail(err) from err


@ledger_app.command("sign-head")
def sign_head(
    logs: Annotated[list[str] | None, typer.Argument(help="Logs to sign (default: every log that grew).")] = None,
) -> None:
    """Sign tree heads now (the periodic job calls the same service)."""
    from onevisit.kernel.actors import system_actor
    from onevisit.ledger.services import heads

    platform = _platform()
    try:
        with platform.uow(system_actor("ledger-cli")) as uow:
            rows = [heads.sign_head(uow, name) for name in logs] if logs else heads.sign_due_heads(uow)
            signed = [(row.tree_size, row.root_hash.hex()) for row in rows]
    except AppError as err:
        raise _fail(err) from err
    for size, root in signed:
        out.print(f"signed head: size {size}, root {root}")
    if not signed:
        out.print("no log needed a new head")


@ledger_app.command("sign-heads")
def sign_heads(
    every: Annotated[float, typer.Option(min=1, help="Seconds between rounds.")],
    interval: Annotated[
        int | None,
        typer.Option(min=0, help="Re-sign a grown log once its last head is this old (default: --every)."),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many rounds (default: run until stopped).")
    ] = None,
) -> None:
    """Sign due tree heads every --every seconds, as its own process, until Ctrl-C or SIGTERM."""
    import signal
    import threading

    from onevisit.ledger.signer import Outcome, Signed, run_loop

    platform = _platform()
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        console.print(f"stopping ({signal.Signals(signum).name})")
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def report(outcomes: list[Outcome]) -> None:
        for o in outcomes:
            if isinstance(o, Signed):
                out.print(f"signed head: {o.log} size {o.tree_size} root {o.root_hash}", highlight=False)
            else:
                console.print(f"[red]not signed[/red] {o.log}: {o.code}: {o.message}")

    out.print(f"signing due tree heads every {every:g} s (Ctrl-C or SIGTERM stops)", highlight=False)
    try:
        done = run_loop(platform, every=every, interval_seconds=interval, stop=stop, rounds=rounds, report=report)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        platform.close()
    out.print(f"stopped after {done} round(s)", highlight=False)


@ledger_app.command("export")
def export(
    log: Annotated[str, typer.Argument(help="The log's name.")],
    out_file: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write.")],
) -> None:
    """Export a log's entries, signed heads and co-signatures for offline verification."""
    from onevisit.ledger.export import export_to_file

    platform = _platform()
    try:
        with platform.db.session() as session:
            count = export_to_file(session, log, out_file)
    except AppError as err:
        raise _fail(err) from err
    out.print(f"exported {count} entries of {log} to {out_file}")


@verify_app.command("export")
def verify_export(
    path: Annotated[
        Path, typer.Argument(help="An export written by `onevisit ledger export`.", exists=True, dir_okay=False)
    ],
    log_key: Annotated[str, typer.Option(help="The log's public key (hex): the trust anchor.")],
    witness: Annotated[list[str] | None, typer.Option(help="A trusted witness, NAME=PUBLIC_KEY_HEX (repeat).")] = None,
    quorum: Annotated[int, typer.Option(min=0, help="Require this many trusted co-signatures on the latest head.")] = 0,
    entry: Annotated[list[int] | None, typer.Option(help="Prove inclusion of this entry index (repeat).")] = None,
) -> None:
    """Verify a whole export: every entry, root, signature and consistency between heads."""
    from onevisit.ledger.signing import parse_public_key
    from onevisit.ledger.verify import verify_export as run

    started = time.perf_counter()
    try:
        report = run(
            path, log_key=parse_public_key(log_key), witness_keys=_keys(witness or []), quorum=quorum, prove=entry or []
        )
    except AppError as err:
        raise _fail(err) from err
    out.print(report.summary())
    out.print(f"[green]OK[/green] verified in {time.perf_counter() - started:.2f} s")


@verify_app.command("proof")
def verify_proof(
    path: Annotated[Path, typer.Argument(help="A proof as the API returns it (JSON).", exists=True, dir_okay=False)],
    log_key: Annotated[str, typer.Option(help="The log's public key (hex).")],
    witness: Annotated[list[str] | None, typer.Option(help="A trusted witness, NAME=PUBLIC_KEY_HEX (repeat).")] = None,
    quorum: Annotated[int, typer.Option(min=0)] = 0,
    data_file: Annotated[Path | None, typer.Option(help="The entry's bytes, to prove exactly them.")] = None,
) -> None:
    """Verify one inclusion or consistency proof with its signed heads."""
    from onevisit.ledger.signing import parse_public_key
    from onevisit.ledger.verify import verify_proof as run

    try:
        bundle = json.loads(path.read_text())
        message = run(
            bundle,
            log_key=parse_public_key(log_key),
            witness_keys=_keys(witness or []),
            quorum=quorum,
            data=data_file.read_bytes() if data_file else None,
        )
    except ValueError as exc:
        if isinstance(exc, AppError):
            raise _fail(exc) from exc
        console.print("[red]FAILED[/red] the proof file is not JSON")
        raise typer.Exit(1) from exc
    except AppError as err:
        raise _fail(err) from err
    out.print(f"[green]OK[/green] {message}")


@witness_app.command("register")
def witness_register(
    name: Annotated[str, typer.Argument(help="The witness's name, e.g. zj-court.")],
    public_key: Annotated[str, typer.Option(help="The witness's public key (hex), from `ledger keygen`.")],
    description: Annotated[str, typer.Option(help="Who runs it.")] = "",
) -> None:
    """Register a witness whose co-signatures count towards finality."""
    from onevisit.kernel.actors import system_actor
    from onevisit.ledger.services import witnesses
    from onevisit.ledger.signing import parse_public_key

    platform = _platform()
    try:
        with platform.uow(system_actor("ledger-cli")) as uow:
            witnesses.register_witness(uow, name, parse_public_key(public_key), description=description)
    except AppError as err:
        raise _fail(err) from err
    out.print(f"registered witness {name}")


@witness_app.command("run")
def witness_run(  # noqa: PLR0917 - Typer maps each parameter to one option
    name: Annotated[str, typer.Option(help="This witness's registered name.")],
    key_file: Annotated[Path, typer.Option(help="This witness's private key file.", exists=True, dir_okay=False)],
    state_file: Annotated[Path, typer.Option(help="Where this witness remembers the heads it accepted.")],
    url: Annotated[str | None, typer.Option(help="The platform's base URL (e.g. https://onevisit.example).")] = None,
    database: Annotated[
        bool, typer.Option("--database", help="Read the platform's database directly instead.")
    ] = False,
    log: Annotated[list[str] | None, typer.Option(help="Watch only this log (repeat; default: all).")] = None,
    log_key: Annotated[list[str] | None, typer.Option(help="Pin a log's key up front, LOG=HEX (repeat).")] = None,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between rounds.")] = 60.0,
    once: Annotated[
        bool, typer.Option("--once", help="Run one round and exit (status 3 if any head was refused).")
    ] = False,
) -> None:
    """Watch logs: verify each new head against the last one seen, co-sign it or raise an alert."""
    from onevisit.ledger.signing import SigningKey, read_seed_file
    from onevisit.ledger.witness import DatabaseSource, HttpSource, LogSource, Witness, WitnessState

    if (url is None) == (not database):
        raise typer.BadParameter("give exactly one of --url or --database")
    source: LogSource = DatabaseSource(_platform()) if database else HttpSource(url or "")
    try:
        witness = Witness(
            name,
            SigningKey.from_seed(read_seed_file(key_file)),
            WitnessState(state_file),
            pinned_keys=_keys(log_key or []),
        )
    except AppError as err:
        raise _fail(err) from err
    while True:
        outcomes = witness.check_all(source, log or None)
        for o in outcomes:
            colour = {"cosigned": "green", "refused": "red", "unavailable": "yellow"}.get(o.status, "white")
            out.print(f"[{colour}]{o.status}[/{colour}] {o.log} size={o.tree_size} {o.code or ''} {o.message}")
        if once:
            raise typer.Exit(3 if any(o.status == "refused" for o in outcomes) else 0)
        time.sleep(interval)
