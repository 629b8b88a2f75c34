"""``onevisit datahub …``: import a file with a progress bar, refresh from a source, anchor
the access log on the ledger, scan for conflicts, list stale sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import get_settings

datahub_app = typer.Typer(help="The public data platform.", no_args_is_help=True)
console = Console(stderr=True)


def _platform() -> Platform:
    return Platform(get_settings())


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


@datahub_app.command("import")
def import_command(
    item: Annotated[str, typer.Argument(help="Catalogue item code, e.g. psb.household.")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .xlsx file.")],
    append: Annotated[
        bool, typer.Option("--append", help="Add to the item's records instead of replacing them.")
    ] = False,
    show_bad: Annotated[int, typer.Option(help="How many bad rows to print.")] = 20,
) -> None:
    """Validate every row against the item's schema and load the good ones (one transaction)."""
    from onevisit.datahub.services.imports import import_file

    platform = _platform()
    total = _count_lines(path) if path.suffix.lower() == ".csv" else None
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    try:
        with bar:
            task = bar.add_task(f"Importing {path.name} into {item}", total=total)
            report = import_file(
                platform,
                system_actor("datahub-import"),
                item_code=item,
                path=path,
                replace=not append,
                advance=lambda n: bar.advance(task, n),
            )
    except AppError as err:
        console.print(f"[red]{err.code}[/red]: {err.message % dict(err.params) if err.params else err.message}")
        console.print("Nothing was written.")
        raise typer.Exit(1) from err
    console.print(
        f"{report.rows_loaded:,} of {report.rows_read:,} rows loaded into {item} in {report.seconds:.1f} s; "
        f"{report.bad_rows:,} bad rows left out."
    )
    for bad in report.bad[:show_bad]:
        console.print(f"  line {bad.line}: {'; '.join(bad.problems)}")


@datahub_app.command("refresh")
def refresh_command(item: Annotated[str, typer.Argument(help="Catalogue item code.")]) -> None:
    """Re-read an item from its registered source (sql, own_table or http)."""
    from onevisit.datahub.services.imports import refresh

    try:
        report = refresh(_platform(), system_actor("datahub-refresh"), item_code=item)
    except AppError as err:
        console.print(f"[red]{err.code}[/red]: {err.message}")
        raise typer.Exit(1) from err
    console.print(f"{report.rows_loaded:,} rows loaded, {report.bad_rows:,} bad rows left out.")


@datahub_app.command("anchor")
def anchor_command(batch: Annotated[int, typer.Option(min=1, max=100_000)] = 10_000) -> None:
    """Anchor every access-log row not yet on the ledger's data-access log."""
    from onevisit.datahub.services.anchoring import anchor_pending

    platform = _platform()
    total = 0
    while True:
        with platform.uow(system_actor("datahub-anchor")) as uow:
            done = anchor_pending(uow, limit=batch)
        total += done
        if done < batch:
            break
    console.print(f"{total:,} access-log rows anchored on the ledger.")


@datahub_app.command("quality")
def quality_command() -> None:
    """Scan for conflicting sources and list stale ones."""
    from onevisit.datahub.services.quality import scan_conflicts, stale_items

    platform = _platform()
    with platform.uow(system_actor("datahub-quality")) as uow:
        conflicts = scan_conflicts(uow)
    with platform.db.session() as session:
        stale = stale_items(session, platform.clock.now())
    console.print(f"{conflicts:,} open conflicts between sources.")
    for s in stale:
        console.print(f"  stale: {s.item.code} ({s.department.code}), declared {s.item.frequency}")
