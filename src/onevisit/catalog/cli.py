"""``onevisit catalog …``: load definition files (or only check them), list what is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import get_settings

catalog_app = typer.Typer(help="The service catalogue: definitions in YAML.", no_args_is_help=True)
console = Console(stderr=True)


def _platform() -> Platform:
    return Platform(get_settings())


@catalog_app.command("load")
def load_command(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="YAML files, or folders of them (bundles are loaded last).")
    ],
    check: Annotated[
        bool, typer.Option("--check", help="Only check the files against the platform; load nothing.")
    ] = False,
    by: Annotated[str, typer.Option(help="Who is loading, for the record.")] = "catalog-cli",
) -> None:
    """Load service and bundle definitions, each file all or nothing. Problems are printed
    as FILE:LINE:COLUMN: FIELD: MESSAGE; the exit status is 1 if any file was refused."""
    from onevisit.catalog.errors import DefinitionRejected
    from onevisit.catalog.services.loading import check_content, expand, load_paths

    platform = _platform()
    files = expand(paths)
    refused = 0
    if check:
        for path in files:
            checked, problems = check_content(platform, path.name, path.read_bytes())
            if checked is None:
                refused += 1
                for problem in problems:
                    console.print(f"[red]{problem.describe()}[/red]", highlight=False)
            else:
                count = len(checked.file.services) + len(checked.file.bundles)
                console.print(f"{path.name}: {count} definitions, no problems", highlight=False)
    else:
        for result in load_paths(platform, system_actor(by), files):
            if isinstance(result, DefinitionRejected):
                refused += 1
                for problem in result.problems:
                    console.print(f"[red]{problem.describe()}[/red]", highlight=False)
                console.print(f"Refused (load {result.load_id}): nothing in the file was loaded.")
            else:
                console.print(
                    f"{result.file_name}: {len(result.added)} added, {len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged (load {result.load_id})",
                    highlight=False,
                )
    if refused:
        raise typer.Exit(1)


@catalog_app.command("list")
def list_command() -> None:
    """The services and bundles in the catalogue, with their current versions."""
    from onevisit.catalog.services.browse import all_entries, last_loads

    platform = _platform()
    with platform.db.session() as session:
        entries = all_entries(session)
        last = last_loads(session, [e.code for e in entries])
    table = Table()
    table.add_column("code", no_wrap=True)
    for heading in ("kind", "version", "name", "loaded by", "loaded (UTC)"):
        table.add_column(heading)
    for entry in entries:
        load = last.get(entry.code)
        table.add_row(
            entry.code,
            entry.kind,
            str(entry.version),
            entry.name_en,
            load.actor if load else "",
            load.loaded_at.strftime("%Y-%m-%d %H:%M") if load else "",
        )
    Console().print(table)
