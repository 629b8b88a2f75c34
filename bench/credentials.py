"""Credentials benchmark: issue (sign + register on the ledger), verify, PDF with QR.

Targets (issue #5): issue ≤ 5 ms, verify ≤ 2 ms, PDF with QR ≤ 150 ms.

* **issue** — one ``credentials.issue`` in its own unit of work, commit included: validate
  the fields, read the holder (and unseal their ID number), the department's key, build and
  sign the body (Ed25519) over 7–9 salted claim digests, seal the disclosures (AES-GCM),
  insert the row, append the issuance to the ledger's ``certificates`` log, audit record,
  outbox event, commit. Baseline in the same run: a unit of work that writes one audit row
  and commits (the floor any state change pays), and the in-memory part alone (draft: claims,
  digests, signature, sealing).
* **verify** — the offline verifier on a QR payload (parse, issuer key, signature, every
  disclosed claim's digest, validity); and the online verification behind the public page
  and API (the same, plus the register row, status, the ledger inclusion proof checked
  against the signed tree head).
* **pdf** — the certificate PDF (weasyprint, WenQuanYi Zen Hei) with its QR code, from a
  ready document (the first, cold render is reported apart).

    uv run python bench/credentials.py [--quick] [--pg-url postgresql://postgres@127.0.0.1:PORT/postgres]

Writes bench/results/credentials.json (``--quick``: credentials-quick.json; PostgreSQL:
credentials-postgresql.json), with the load average at start and end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import write_result
from onevisit import credentials, ledger
from onevisit.credentials.catalogue import find_type
from onevisit.credentials.documents import render_pdf
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.keys import signer_for, trusted_keys
from onevisit.credentials.models import Credential
from onevisit.credentials.services import verification, wallet
from onevisit.credentials.services.issuance import clean_fields, draft, holder_facts, local_today
from onevisit.credentials.verify import verify_presentation
from onevisit.credentials.views import certificate_document
from onevisit.demo.departments import ensure_departments
from onevisit.identity.idnumbers import make_id_number
from onevisit.identity.services import people
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.actors import system_actor
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - a throwaway bench database
TARGETS = {"issue_ms": 5.0, "verify_ms": 2.0, "pdf_ms": 150.0}
MARRIAGE = {
    "certificate_no": "J330106-2020-0000042",
    "spouse_name": "李华",
    "spouse_id_number": "330106199002020024",
    "registered_on": "2020-05-20",
}


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

    return {
        "samples": len(samples),
        "ms_p50": round(statistics.median(ordered), 3),
        "ms_p95": pct(0.95),
        "ms_p99": pct(0.99),
        "ms_max": round(ordered[-1], 3),
    }


def _time(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _platform(pg_url: str | None, workdir: Path) -> tuple[Platform, Callable[[], None]]:
    if pg_url:
        name = f"bench_credentials_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = pg_url.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    else:
        url = f"sqlite:///{workdir / 'bench.db'}"

        def drop() -> None:
            return None

    settings = Settings(environment=Environment.TEST, database_url=url, secret_key=SECRET_KEY)
    platform = Platform(settings)
    upgrade(platform.db.engine)
    return platform, drop


def _holders(platform: Platform, n: int) -> list[int]:
    ids = []
    with platform.uow(system_actor("bench")) as uow:
        ensure_regions(uow.session)
        ensure_departments(uow.session)
        for i in range(n):
            number = make_id_number("330106", dt.date(1980 + i % 30, 1 + i % 12, 1 + i % 28), 100 + i % 800)
            person = people.register_person(uow, id_number=number, name=f"测试{i:04d}", region_code="330106")
            ids.append(person.id)
    return ids


def run(*, quick: bool, pg_url: str | None) -> dict[str, Any]:  # noqa: PLR0915 - one measurement after another
    n_issue, n_verify, n_pdf = (200, 500, 15) if quick else (2000, 3000, 50)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-credentials-") as tmp:
        platform, drop = _platform(pg_url, Path(tmp))
        try:
            actor = system_actor("bench")
            holders = _holders(platform, 200)
            counter = iter(range(10**9))

            def issue_one() -> None:
                with platform.uow(actor) as uow:
                    credentials.issue(
                        uow,
                        "marriage_certificate",
                        credentials.Holder.person(holders[next(counter) % len(holders)]),
                        MARRIAGE,
                    )

            def floor() -> None:
                with platform.uow(actor) as uow:
                    uow.audit("bench.floor", "bench", 1, {})

            _time(issue_one, 50)  # warm-up: keys created, caches filled, pages in memory
            # Interleaved with the baseline, so both see the same neighbours' load.
            issue: list[float] = []
            baseline_commit: list[float] = []
            for _ in range(n_issue):
                issue += _time(issue_one, 1)
                baseline_commit += _time(floor, 1)

            with platform.uow(actor) as uow:
                ctype = find_type("marriage_certificate")
                assert ctype is not None
                signer = signer_for(uow, ctype.department)
                holder = credentials.Holder.person(holders[0])
                facts = holder_facts(uow.session, platform.vault, holder)
                clean = clean_fields(ctype, MARRIAGE)
                now = uow.clock.now()
                today = local_today(now)

                def draft_one() -> None:
                    draft(
                        platform.vault,
                        ctype,
                        signer,
                        holder,
                        facts,
                        clean,
                        now,
                        today,
                        None,
                        source="bench",
                        reference=None,
                    )

                drafts = _time(draft_one, n_issue)

            with platform.uow(actor) as uow:
                ledger.sign_head(uow, CERTIFICATE_LOG)
            with platform.db.session() as session:
                rows = list(session.scalars(select(Credential).order_by(Credential.id).limit(200)))
                payloads = [wallet.presentation(platform.vault, r) for r in rows]
                keys = trusted_keys(session)
            payload_chars = statistics.median(len(p) for p in payloads)
            today = local_today(platform.clock.now())
            it = iter(range(10**9))
            offline = _time(
                lambda: verify_presentation(payloads[next(it) % len(payloads)], keys, today=today), n_verify
            )
            assert verify_presentation(payloads[0], keys, today=today).valid
            with platform.db.session() as session:
                it2 = iter(range(10**9))

                def online_one() -> None:
                    report = verification.verify(session, payloads[next(it2) % len(payloads)], today=today)
                    if not report.valid:  # pragma: no cover - the bench checks itself
                        raise RuntimeError(report.reason)

                online = _time(online_one, n_verify)
                document = certificate_document(session, platform, rows[0])
            started = time.perf_counter()
            render_pdf(document)
            cold_pdf = (time.perf_counter() - started) * 1000
            pdf_bytes = len(render_pdf(document))
            pdf = _time(lambda: render_pdf(document), n_pdf)
            database = platform.db.engine.dialect.name
            with platform.db.session() as session:
                issued = session.scalar(text("SELECT count(*) FROM credentials"))
            platform.close()
        finally:
            drop()
    load_end = os.getloadavg()
    figures = {
        "database": database,
        "certificates_issued": issued,
        "payload_chars_median": payload_chars,
        "issue": _stats(issue),
        "issue_baseline_commit_only": _stats(baseline_commit),
        "issue_in_memory_draft": _stats(drafts),
        "issue_over_baseline_p50": round(statistics.median(issue) / statistics.median(baseline_commit), 1),
        "verify_offline": _stats(offline),
        "verify_online": _stats(online),
        "pdf_with_qr": {**_stats(pdf), "cold_first_ms": round(cold_pdf, 1), "bytes": pdf_bytes},
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
        "targets": TARGETS,
    }
    figures["met"] = {
        "issue_ms": figures["issue"]["ms_p50"] <= TARGETS["issue_ms"],
        "verify_ms": figures["verify_offline"]["ms_p50"] <= TARGETS["verify_ms"],
        "pdf_ms": figures["pdf_with_qr"]["ms_p50"] <= TARGETS["pdf_ms"],
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg-url", default=None, help="a PostgreSQL server URL (a fresh database is made on it)")
    args = parser.parse_args()
    figures = run(quick=args.quick, pg_url=args.pg_url)
    name = "credentials" + ("-postgresql" if args.pg_url else "") + ("-quick" if args.quick else "")
    path = write_result(name, figures)
    for key in (
        "issue",
        "issue_baseline_commit_only",
        "issue_in_memory_draft",
        "verify_offline",
        "verify_online",
        "pdf_with_qr",
    ):
        f = figures[key]
        print(f"{key:28} p50 {f['ms_p50']:8.3f} ms  p95 {f['ms_p95']:8.3f} ms  ({f['samples']} samples)")
    print(f"load average {figures['load_average_start']} -> {figures['load_average_end']}; met {figures['met']}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
