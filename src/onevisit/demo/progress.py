"""Progress reporting for the seed: a rich bar on a terminal, nothing in tests.

The seed talks to a :class:`Progress` and never to rich directly, so the same code runs
silently under pytest and in the benchmark, and with a live bar from ``onevisit demo seed``.
It also times each phase, which is what the report and the benchmark print.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar


class Step(Protocol):
    def advance(self, amount: int) -> None: ...


class _Silent:
    def advance(self, amount: int) -> None:
        """Nothing to show."""


class _Bar:
    def __init__(self, bar: RichBar, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def advance(self, amount: int) -> None:
        self._bar.advance(self._task, amount)


class Progress:
    """Times named phases and, when ``show`` is set, draws one bar per phase."""

    def __init__(self, *, show: bool, console: Console | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._bar = (
            RichBar(
                TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console or Console(stderr=True),
            )
            if show
            else None
        )

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    @contextmanager
    def phase(self, name: str, description: str, total: int) -> Iterator[Step]:
        started = time.perf_counter()
        step: Step = _Silent()
        task: TaskID | None = None
        if self._bar is not None:
            task = self._bar.add_task(description, total=total)
            step = _Bar(self._bar, task)
        try:
            yield step
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
            if self._bar is not None and task is not None:
                self._bar.update(task, completed=total)
