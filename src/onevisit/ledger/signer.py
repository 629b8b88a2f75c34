"""Signing tree heads at intervals: one loop, run two ways.

* As its own process: ``onevisit ledger sign-heads --every 300`` (prints each head it signs,
  exits cleanly on Ctrl-C or SIGTERM). This is the way for production: one signer, however
  many web workers there are.
* Inside the web process: when ``ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS`` is above 0 (the
  default in development is 300), the app's lifespan starts a :class:`HeadSigner` thread
  that runs the same loop, waiting one interval before its first round. With several web
  workers each runs one; that is harmless (appends and signing lock the log's row, and a
  size already signed is not signed again) but wasteful, so production leaves it off.

Each round signs every due log (:func:`onevisit.ledger.services.heads.due_logs`: it grew,
and its last head is at least one interval old) in its own unit of work, so one log whose
storage or key is wrong is reported and does not hold back the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.ledger.config import get_ledger_config
from onevisit.ledger.signing import to_millis

log = logging.getLogger(__name__)

ACTOR = "ledger-head-signer"


@dataclass(frozen=True, slots=True)
class Signed:
    log: str
    tree_size: int
    root_hash: str


@dataclass(frozen=True, slots=True)
class Failed:
    log: str
    code: str
    message: str


Outcome = Signed | Failed


def sign_round(platform: Platform, interval_seconds: int) -> list[Outcome]:
    """Signs every due log, each in its own unit of work; returns what happened to each."""
    from onevisit.ledger.services import heads

    with platform.db.session() as session:
        due = heads.due_logs(session, to_millis(platform.clock.now()), interval_seconds)
    outcomes: list[Outcome] = []
    for name in due:
        try:
            with platform.uow(system_actor(ACTOR)) as uow:
                row = heads.sign_head(uow, name)
                outcomes.append(Signed(name, row.tree_size, row.root_hash.hex()))
        except AppError as err:
            message = err.message % dict(err.params) if err.params else err.message
            outcomes.append(Failed(name, err.code.value, message))
    return outcomes


def run_loop(
    platform: Platform,
    *,
    every: float,
    interval_seconds: int | None = None,
    stop: threading.Event | None = None,
    rounds: int | None = None,
    wait_first: bool = False,
    report: Callable[[list[Outcome]], None] = lambda _: None,
    wait: Callable[[float], bool] | None = None,
) -> int:
    """Runs rounds every ``every`` seconds until ``stop`` is set or ``rounds`` are done.

    ``interval_seconds`` is how old a log's last head must be before it is re-signed
    (default: ``every``). ``wait(seconds)`` sleeps and returns True to stop (default: waits
    on ``stop``); tests pass one that advances a clock instead. Returns the rounds run.
    An unexpected error in a round is logged and the loop goes on: a signer that dies
    quietly is worse than one that retries.
    """
    stop = stop or threading.Event()
    sleep = wait or stop.wait
    interval = int(every) if interval_seconds is None else interval_seconds
    done = 0
    if wait_first and sleep(every):
        return done
    while not stop.is_set() and (rounds is None or done < rounds):
        try:
            report(sign_round(platform, interval))
        except Exception:  # keep signing after a database hiccup; it is logged
            log.exception("ledger head signer: round failed")
        done += 1
        if (rounds is not None and done >= rounds) or sleep(every):
            break
    return done


class HeadSigner:
    """The in-process signer: :func:`run_loop` on a daemon thread, stopped with the app."""

    def __init__(self, platform: Platform, every: int) -> None:
        self.platform = platform
        self.every = every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ledger-head-signer", daemon=True)

    def _run(self) -> None:
        run_loop(self.platform, every=self.every, stop=self.stopping, wait_first=True, report=self._log)

    @staticmethod
    def _log(outcomes: list[Outcome]) -> None:
        for o in outcomes:
            if isinstance(o, Signed):
                log.info("ledger head signed: %s size %s root %s", o.log, o.tree_size, o.root_hash)
            else:
                log.error("ledger head not signed: %s %s %s", o.log, o.code, o.message)

    def start(self) -> HeadSigner:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)


def start_head_signer(platform: Platform) -> HeadSigner | None:
    """Starts the in-process signer if ``ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS`` > 0 (the
    development default); returns None when it is off."""
    every = get_ledger_config().head_interval(platform.settings)
    if every <= 0:
        return None
    return HeadSigner(platform, every).start()
