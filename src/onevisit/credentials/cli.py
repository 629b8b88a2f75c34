"""``onevisit credentials …``: verify offline, list and rotate keys, export proofs, sync the datahub.

``verify`` needs no database and no network: the payload (or a verification URL, or ``@FILE``)
and the issuers' public keys (``--keys`` with what ``GET /api/v1/credentials/issuers``
returns, or ``--public-key`` for one), optionally a proof file from
``GET /api/v1/credentials/{number}/proof`` (or ``export-proof``) to check ledger inclusion.
It exits 0 when the certificate holds, 1 when it does not, 2 when the inputs are unusable.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

credentials_app = typer.Typer(help="E-certificates: offline verification, keys, proofs.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


def _text(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


def _keys_from_file(path: Path) -> dict[str, object]:
    from onevisit.credentials.verify import IssuerKey

    data = json.loads(path.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    keys: dict[str, object] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("each key is a JSON object")
        public_key = bytes.fromhex(str(item["public_key"]))
        kid = str(item.get("kid") or "")
        keys[kid] = IssuerKey(
            kid=kid,
            department=str(item["department"]),
            public_key=public_key,
            name_zh=str(item.get("name_zh", "")),
            name_en=str(item.get("name_en", "")),
            retired_at=str(item["retired_at"]).replace("+00:00", "Z") if item.get("retired_at") else None,
        )
    return keys


@credentials_app.command("verify")
def verify(  # noqa: PLR0917 - Typer maps each parameter to one option
    payload: Annotated[str, typer.Argument(help="The OVC1. payload, a URL carrying it, @FILE, or - for stdin.")],
    keys: Annotated[Path | None, typer.Option(help="JSON of /api/v1/credentials/issuers (trusted keys).")] = None,
    public_key: Annotated[str | None, typer.Option(help="The issuing department's Ed25519 public key (hex).")] = None,
    proof: Annotated[Path | None, typer.Option(help="A proof file (onevisit.credential.proof.v1).")] = None,
    log_key: Annotated[str | None, typer.Option(help="The ledger certificate log's public key (hex).")] = None,
    today: Annotated[str | None, typer.Option(help="Judge validity on this date (YYYY-MM-DD).")] = None,
    lang: Annotated[str, typer.Option(help="zh or en.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify a certificate offline, from its payload and the issuer's public key."""
    from onevisit.credentials.format import FormatProblem, decode
    from onevisit.credentials.inclusion import parse_proof
    from onevisit.credentials.keys import kid_of
    from onevisit.credentials.presenters import report_view
    from onevisit.credentials.verify import IssuerKey, verify_presentation
    from onevisit.kernel.i18n import translator

    try:
        text = _text(payload)
        trusted: dict[str, IssuerKey] = {}
        if keys is not None:
            trusted.update(_keys_from_file(keys))  # type: ignore[arg-type]
        if public_key is not None:
            raw = bytes.fromhex(public_key.strip())
            try:
                issuer = decode(text).body.issuer
            except FormatProblem:
                issuer = ""
            trusted[kid_of(raw)] = IssuerKey(kid=kid_of(raw), department=issuer, public_key=raw)
        bundle = parse_proof(json.loads(proof.read_text(encoding="utf-8"))) if proof is not None else None
        anchor = bytes.fromhex(log_key.strip()) if log_key else None
        when = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    except (OSError, ValueError, KeyError, FormatProblem) as exc:
        console.print(f"[red]Cannot use the inputs:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not trusted:
        console.print("[red]Give the issuer's key: --keys FILE or --public-key HEX.[/red]")
        raise typer.Exit(2)
    report = verify_presentation(text, trusted, today=when, proof=bundle, log_key=anchor)
    tr = translator("zh" if lang == "zh" else "en")
    view = report_view(report, tr.code, tr, reveal=True)
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "valid": report.valid,
                    "reason": report.reason.value,
                    "headline": view["headline"],
                    "number": report.number,
                    "claims": report.claims,
                    "undisclosed": report.undisclosed,
                    "checks": [{"name": c.name, "outcome": c.outcome.value} for c in report.checks],
                },
                ensure_ascii=False,
            )
        )
    else:
        out.print(f"{'VALID' if report.valid else 'NOT VALID'} ({report.reason.value}): {view['headline']}")
        for row in view["checks"]:  # type: ignore[attr-defined]
            out.print(f"  [{row.outcome:7}] {row.label}: {row.message}", highlight=False)
        for row in view["claims"]:  # type: ignore[attr-defined]
            out.print(f"  {row.label}: {row.value}", highlight=False)
    raise typer.Exit(0 if report.valid else 1)


@credentials_app.command("keys")
def keys_command(
    rotate: Annotated[str | None, typer.Option(help="Retire this department's key and create a new one.")] = None,
) -> None:
    """List the departments' signing keys (public halves); optionally rotate one."""
    from onevisit.credentials.keys import published, rotate_key
    from onevisit.kernel.actors import system_actor
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings

    platform = Platform(get_settings())
    if rotate:
        with platform.uow(system_actor("credentials-cli")) as uow:
            issuer = rotate_key(uow, rotate)
            console.print(f"New key for {rotate}: {issuer.kid}")
    with platform.db.session() as session:
        for issuer, department in published(session):
            state = f"retired {issuer.retired_at:%Y-%m-%d}" if issuer.retired_at else "active"
            out.print(f"{department.code:10} {issuer.kid} {issuer.public_key.hex()} {state}", highlight=False)


@credentials_app.command("export-proof")
def export_proof(
    number: Annotated[str, typer.Argument(help="The certificate number.")],
    output: Annotated[Path, typer.Option("--out", help="Where to write the proof file.")],
) -> None:
    """Write a certificate's ledger inclusion proof under the latest signed head."""
    from onevisit.credentials.services.status import find_credential
    from onevisit.credentials.services.verification import proof_bundle
    from onevisit.kernel.errors import AppError
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings

    platform = Platform(get_settings())
    with platform.db.session() as session:
        try:
            bundle = proof_bundle(session, find_credential(session, number))
        except AppError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
    if bundle is None:
        console.print(
            "[yellow]No signed tree head covers it yet: run `onevisit ledger sign-head certificates`.[/yellow]"
        )
        raise typer.Exit(1)
    output.write_text(json.dumps(bundle.as_dict(), indent=2) + "\n", encoding="utf-8")
    console.print(f"Wrote {output} (entry {bundle.index} of {bundle.tree_size})")


@credentials_app.command("sync-datahub")
def sync_datahub() -> None:
    """Load the certificates in force into the datahub's certificate library items."""
    from onevisit.credentials.services.materials import sync_datahub as run
    from onevisit.kernel.actors import system_actor
    from onevisit.kernel.platform import Platform
    from onevisit.kernel.settings import get_settings

    report = run(Platform(get_settings()), system_actor("credentials-sync"))
    console.print(f"Datahub certificate library: {report.people} for people, {report.enterprises} for enterprises")
