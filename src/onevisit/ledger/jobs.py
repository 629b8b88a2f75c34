"""The ledger's periodic work, run by ``onevisit worker``: sign a new tree head for every
log that has grown (:func:`onevisit.ledger.signer.sign_round`, the same round the
``onevisit ledger sign-heads --every`` loop runs). Signing is idempotent — a size already
signed is not signed again, and the log's row is locked while signing — so a second worker
or a manual ``sign-heads`` cannot double-sign."""

from __future__ import annotations

from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform
from onevisit.ledger.config import DEVELOPMENT_HEAD_INTERVAL_SECONDS, get_ledger_config
from onevisit.ledger.signer import Failed, sign_round


def head_interval(platform: Platform) -> int:
    """``ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS`` when set above 0, else 300 s."""
    return get_ledger_config().head_interval_seconds or DEVELOPMENT_HEAD_INTERVAL_SECONDS


class HeadsNotSigned(RuntimeError):
    """Some logs could not be signed (the others were): reported as the run's error."""


def sign_due_heads(platform: Platform) -> int:
    outcomes = sign_round(platform, head_interval(platform))
    failed = [o for o in outcomes if isinstance(o, Failed)]
    if failed:
        signed = len(outcomes) - len(failed)
        raise HeadsNotSigned(
            f"{signed} signed; not signed: " + "; ".join(f"{f.log} ({f.code}: {f.message})" for f in failed)
        )
    return len(outcomes)


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "ledger.sign_heads",
            head_interval(platform),
            sign_due_heads,
            "Sign a tree head for every ledger log that grew since its last head.",
        )
    ]
