"""``onevisit rules check|explain``: check a rule against a schema and show what it compiles to;
evaluate it on one record and show which conditions held."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from onevisit.rules.errors import RuleError
from onevisit.rules.rule import Rule
from onevisit.rules.schema import Field, Schema, field_type
from onevisit.rules.to_sql import DIALECTS, Dialect

rules_app = typer.Typer(help="The rules language: check a rule, explain it on a record.", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

SchemaOption = Annotated[
    Path | None,
    typer.Option(
        "--schema",
        exists=True,
        dir_okay=False,
        help='JSON: {"name": "type", …} or [{"name": …, "type": …}, …]. Types: integer, decimal, text, boolean, date.',
    ),
]
FieldOption = Annotated[
    list[str] | None, typer.Option("--field", "-f", help="A field as name:type (repeatable), e.g. employees:integer.")
]
ValueOption = Annotated[bool, typer.Option("--value", help="The rule is a formula (a value), not a condition.")]
TodayOption = Annotated[str | None, typer.Option("--today", help="What TODAY() means (YYYY-MM-DD; default today).")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of messages: en or zh.")]


def _schema(schema_path: Path | None, fields: list[str] | None) -> Schema:
    declared: list[Field] = []
    if schema_path is not None:
        try:
            declared.extend(Schema.from_json(json.loads(schema_path.read_text(encoding="utf-8"))))
        except (ValueError, OSError) as err:
            errors.print(f"[red]Schema {schema_path}[/red]: {escape(str(err))}")
            raise typer.Exit(2) from err
    for spec in fields or []:
        name, _, kind = spec.partition(":")
        try:
            declared.append(Field(name.strip(), field_type(kind or "text")))
        except ValueError as err:
            errors.print(
                f"[red]--field {escape(spec)}[/red]: use name:type with one of integer, decimal, text, boolean, date"
            )
            raise typer.Exit(2) from err
    if not declared:
        errors.print("[red]No fields declared[/red]: give --schema FILE or --field name:type.")
        raise typer.Exit(2)
    try:
        return Schema(declared)
    except ValueError as err:
        errors.print(f"[red]Schema[/red]: {escape(str(err))}")
        raise typer.Exit(2) from err


def _parse(source: str, schema: Schema, *, value: bool, today: str | None, lang: str) -> Rule:
    try:
        as_of = dt.date.fromisoformat(today) if today else None
    except ValueError as err:
        errors.print(f"[red]--today {escape(today or '')}[/red]: not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from err
    try:
        return Rule.parse(source, schema, expect="value" if value else "condition", today=as_of)
    except RuleError as err:
        for found in err.problems:
            errors.print(f"[red]{found.code}[/red]: {escape(found.describe(lang))}")
            if found.fragment:
                errors.print(escape(found.caret(source)), highlight=False)
        raise typer.Exit(1) from err


@rules_app.command("check")
def check_command(  # noqa: PLR0917 - Typer maps parameters to options
    rule: Annotated[str, typer.Argument(help="The rule, e.g. \"employees >= 10 AND industry IN ('C', 'I')\".")],
    schema: SchemaOption = None,
    field: FieldOption = None,
    value: ValueOption = False,
    sql: Annotated[
        list[str] | None, typer.Option("--sql", help=f"Print the SQL for a dialect ({', '.join(DIALECTS)}, or all).")
    ] = None,
    polars: Annotated[bool, typer.Option("--polars", help="Print the Polars expression.")] = False,
    today: TodayOption = None,
    lang: LangOption = "en",
) -> None:
    """Check a rule: its type and the fields it reads, or every problem with where it is."""
    parsed = _parse(rule, _schema(schema, field), value=value, today=today, lang=lang)
    console.print(f"OK: {parsed.type} over {', '.join(parsed.fields) or 'no fields'}", highlight=False)
    dialects: list[str] = list(DIALECTS) if sql and "all" in sql else list(sql or [])
    for dialect in dialects:
        if dialect not in DIALECTS:
            errors.print(f"[red]--sql {escape(dialect)}[/red]: one of {', '.join(DIALECTS)}, all")
            raise typer.Exit(2)
        compiled: Dialect = dialect
        console.print(f"{dialect}: {escape(parsed.to_sql(compiled))}", highlight=False)
    if polars:
        console.print(f"polars: {escape(str(parsed.to_polars()))}", highlight=False)


@rules_app.command("explain")
def explain_command(  # noqa: PLR0917 - Typer maps parameters to options
    rule: Annotated[str, typer.Argument(help="The rule.")],
    record: Annotated[str, typer.Option("--record", "-r", help="The record as JSON, or @file.json.")],
    schema: SchemaOption = None,
    field: FieldOption = None,
    value: ValueOption = False,
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    lang: LangOption = "en",
) -> None:
    """Evaluate a rule on one record and show which conditions held, failed or were unknown."""
    declared = _schema(schema, field)
    parsed = _parse(rule, declared, value=value, today=today, lang=lang)
    try:
        text = Path(record[1:]).read_text(encoding="utf-8") if record.startswith("@") else record
        raw: Any = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("the record must be a JSON object")
        values = declared.coerce(raw)
    except (ValueError, OSError) as err:
        errors.print(f"[red]Record[/red]: {escape(str(err))}")
        raise typer.Exit(2) from err
    outcome = parsed.explain(values)
    if as_json:
        console.print_json(json.dumps(outcome.as_dict(), ensure_ascii=False))
    else:
        console.print(escape(outcome.render(lang)), highlight=False)
    if outcome.status in ("failed", "unknown"):
        raise typer.Exit(3)
