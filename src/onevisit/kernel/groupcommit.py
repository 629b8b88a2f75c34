"""Group commit: requests that arrive together share one transaction.

A web process receives payment orders and channel notifications by the hundred a second;
each is a few rows, and one transaction per request would spend most of its time (client
and server side) on the statements' and the commit's fixed costs. A :class:`GroupCommit`
hands the requests queued on an event loop to one worker thread as a batch; requests that
arrive while it runs form the next batch. Under light load every batch holds one request
(no waiting: it starts at once); under heavy load batches grow and the cost per request
shrinks. Each request is answered only after its batch has committed.

Under load a batch may *linger*: when the last batch held more than one request, the next
waits up to ``linger`` seconds for more to join (never when requests arrive one at a time,
so a quiet system answers at once). Larger batches spread a batch's fixed cost — its
transaction, its locks, its statements — over more requests.

``run`` gets the batch and returns one result per item, in order: a value, or an
exception for that item alone. If it raises, the batch is retried item by item, so one
poisoned request (or a deadlock between two batches) cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from onevisit.kernel.platform import Platform

log = logging.getLogger("onevisit.kernel.groupcommit")

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        name: str,
        run: Callable[[Sequence[T]], Sequence[R | BaseException]],
        *,
        max_batch: int = 200,
        follow_up: Callable[[], object] | None = None,
        follow_up_if: Callable[[Sequence[R | BaseException]], bool] = lambda _outcomes: True,
        follow_up_after: float = 0.05,
        linger: float = 0.0,
    ) -> None:
        self.name = name
        self.run = run
        self.max_batch = max_batch
        self.linger = linger
        #: work that a batch calls for but need not wait for (receipts onto the ledger): run
        #: in its own thread ``follow_up_after`` seconds after the first batch that asks for
        #: it, once for all the batches that asked in the meantime
        self.follow_up = follow_up
        self.follow_up_if = follow_up_if
        self.follow_up_after = follow_up_after
        self._queues: dict[asyncio.AbstractEventLoop, list[tuple[T, asyncio.Future[R]]]] = {}
        self._tasks: set[asyncio.Future[Any]] = set()  # referenced until done
        self._following: set[asyncio.AbstractEventLoop] = set()
        # One thread runs the batches (one at a time on each loop), another the follow-ups.
        self._batches = ThreadPoolExecutor(1, thread_name_prefix=f"groupcommit-{name}")
        self._follow_ups = ThreadPoolExecutor(1, thread_name_prefix=f"groupcommit-{name}-after")

    async def submit(self, item: T) -> R:
        """Queues ``item`` and waits until its batch has committed; its result (or error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        queue = self._queues.get(loop)
        if queue is None:  # nobody is draining on this loop: start
            queue = self._queues[loop] = [(item, future)]
            self._keep(loop.create_task(self._drain(loop, queue)))
        else:
            queue.append((item, future))
        return await future

    def _keep(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, loop: asyncio.AbstractEventLoop, queue: list[tuple[T, asyncio.Future[R]]]) -> None:
        last = 1
        try:
            while queue:
                if self.linger and last > 1 and len(queue) < self.max_batch:
                    await asyncio.sleep(self.linger)  # busy: let more join this batch
                batch = queue[: self.max_batch]
                last = len(batch)
                del queue[: self.max_batch]
                outcomes = await loop.run_in_executor(self._batches, self.run_safely, [item for item, _ in batch])
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # the client hung up; what was done is done
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                if self.follow_up is not None and loop not in self._following and self.follow_up_if(outcomes):
                    self._following.add(loop)
                    loop.call_later(self.follow_up_after, self._start_follow_up, loop)
        finally:
            del self._queues[loop]
            for _, future in queue:  # cancelled mid-way (shutdown): nothing was done for these
                if not future.done():
                    future.cancel()

    def _start_follow_up(self, loop: asyncio.AbstractEventLoop) -> None:
        self._following.discard(loop)
        self._keep(loop.run_in_executor(self._follow_ups, self._follow_up_safely))

    def _follow_up_safely(self) -> None:
        try:
            if self.follow_up is not None:
                self.follow_up()
        except Exception:  # its work stays pending: the next follow-up (or a job) takes it
            log.exception("%s: the follow-up failed; it will be retried", self.name)

    def run_safely(self, items: Sequence[T]) -> list[R | BaseException]:
        try:
            outcomes = list(self.run(items))
        except Exception as exc:
            if len(items) == 1:
                return [exc]
            log.warning("%s: a batch of %d failed (%s); running them one by one", self.name, len(items), exc)
        else:
            if len(outcomes) != len(items):  # pragma: no cover - a bug in run
                raise RuntimeError(f"{self.name}: {len(outcomes)} results for {len(items)} items")
            return outcomes
        single: list[R | BaseException] = []
        for item in items:
            try:
                single.extend(self.run([item]))
            except Exception as exc:  # handed to that item's request
                single.append(exc)
        return single


_REGISTRY: weakref.WeakKeyDictionary[Platform, dict[str, GroupCommit[Any, Any]]] = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def for_platform(
    platform: Platform,
    name: str,
    run: Callable[[Platform, Sequence[T]], Sequence[R | BaseException]],
    *,
    follow_up: Callable[[Platform], object] | None = None,
    follow_up_if: Callable[[Sequence[R | BaseException]], bool] = lambda _outcomes: True,
    max_batch: int = 200,
    linger: float = 0.0,
) -> GroupCommit[T, R]:
    """The process's group commit called ``name`` for ``platform`` (made on first use)."""
    with _REGISTRY_LOCK:
        mine = _REGISTRY.setdefault(platform, {})
        found = mine.get(name)
        if found is None:
            ref = weakref.ref(platform)  # the registry must not keep the platform alive

            def bound_run(items: Sequence[T]) -> Sequence[R | BaseException]:
                target = ref()
                if target is None:  # pragma: no cover - closed while requests were queued
                    raise RuntimeError("the platform was closed")
                return run(target, items)

            bound_follow_up: Callable[[], object] | None = None
            if follow_up is not None:
                hook = follow_up

                def bound_follow_up() -> object:
                    target = ref()
                    return hook(target) if target is not None else None

            found = mine[name] = GroupCommit(
                name,
                bound_run,
                max_batch=max_batch,
                follow_up=bound_follow_up,
                follow_up_if=follow_up_if,
                linger=linger,
            )
        return found
