"""Where the API runs blocking writes: a few threads, not one per waiting request.

A filing is mostly Python (parsing, the cell cover, the exact phase), so threads running
filings at once only take turns on the GIL — and every turn costs a thread switch. Sixteen
concurrent filings in sixteen threads used a fifth more CPU per filing than in one thread
(7.2 against 5.9 ms, ``benchmarks/load.py`` on SQLite). On SQLite writes serialise anyway;
on PostgreSQL a second thread lets one filing's round trips overlap another's Python.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import Request

from wellclear.api.auth import service_of
from wellclear.service import Service

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("wellclear.api")

SQLITE_WRITE_THREADS = 1
POSTGRESQL_WRITE_THREADS = 2


@dataclass(frozen=True, slots=True)
class _Call:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    context: contextvars.Context
    work: Callable[[], Any]


class WriteLane:
    """Runs blocking write calls on ``threads`` threads of its own, in the caller's context
    (so the audit actor named by the request goes with the call), first come first served.

    A call's answer goes straight to its awaiting future on the loop. ``run_in_executor``
    did the same through a concurrent future chained to an asyncio one, a tenth of the
    event loop's share of a filing (``benchmarks/instructions.py --server``). A call whose
    awaiting task was cancelled before a thread took it up is not run. The threads start
    with the first call (an app whose lifespan never runs leaves none behind) and run at
    the default scheduling policy, even when the loop that starts them yields
    (:func:`yield_loop_on_one_cpu`).
    """

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError(f"a write lane needs at least one thread, not {threads}")
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._closing = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, name=f"wellclear-write_{n}", daemon=True)
            for n in range(threads)
        ]
        self._started = False

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        call = _Call(loop, future, contextvars.copy_context(),
                     functools.partial(func, *args, **kwargs))  # fmt: skip
        with self._closing:
            if self._closed:
                raise RuntimeError("the write lane is closed")
            if not self._started:
                self._started = True
                for thread in self._threads:
                    thread.start()
            self._calls.put(call)
        return await future

    def close(self) -> None:
        """Finish the calls already queued and stop the threads."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            if not self._started:
                return
            for _ in self._threads:
                self._calls.put(None)  # after every queued call: the queue is FIFO
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        _at_default_policy()
        while (call := self._calls.get()) is not None:
            if call.future.cancelled():  # nobody waits for it any more
                continue
            try:
                result = call.context.run(call.work)
            except BaseException as error:  # handed to the awaiting task
                _answer(call, _fail, error)
            else:
                _answer(call, _succeed, result)


def _answer(call: _Call, settle: Callable[[asyncio.Future[Any], Any], None], value: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is left to answer
        call.loop.call_soon_threadsafe(settle, call.future, value)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.cancelled():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if future.cancelled():
        return
    if isinstance(error, StopIteration):  # a future cannot hold one (it ends coroutines)
        error = RuntimeError(f"a write raised StopIteration: {error!r}")
    future.set_exception(error)


def yield_loop_on_one_cpu() -> bool:
    """Run the calling thread (the event loop) at ``SCHED_BATCH`` when this process may use
    one CPU only (``wellclear serve --cpu``); whether it does.

    On one CPU the loop and the write threads take turns. Left at the default policy, each
    wake-up of the loop (a request arriving) preempted the write thread in the middle of a
    filing, only to wait for the GIL that thread held: ~4.7 switches each way per filing.
    At ``SCHED_BATCH`` a wake-up does not preempt, so the loop runs when the writer waits,
    and takes every request that arrived meanwhile in one turn: 0.5 switches, and a
    tenth less CPU per filing (``benchmarks/load.py``, closed loop, spread). Threads the loop
    starts later (the pool of its background work) inherit it; the write threads set the
    default back. Where the system refuses (a sandbox), the loop runs as it was.
    """
    if not hasattr(os, "SCHED_BATCH") or len(os.sched_getaffinity(0)) != 1:
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError as error:
        log.warning("the event loop keeps its scheduling policy: %s", error)
        return False
    return True


def _at_default_policy() -> None:
    """The calling thread at ``SCHED_OTHER`` (a write thread started by a yielding loop)."""
    if hasattr(os, "sched_getscheduler") and os.sched_getscheduler(0) != os.SCHED_OTHER:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def default_write_threads(is_sqlite: bool) -> int:
    return SQLITE_WRITE_THREADS if is_sqlite else POSTGRESQL_WRITE_THREADS


async def run_write(
    request: Request,
    func: Callable[Concatenate[Service, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``func(service, *args, **kwargs)`` on the app's write lane.

    The service and the lane are taken from the app rather than declared as FastAPI
    dependencies: FastAPI 0.165 spends ~75k instructions solving each dependency of each
    request, and the two cost a filing a tenth of its event loop's share (``wellclear
    serve`` under callgrind, 1.72 against 1.58 M instructions per spread filing).
    """
    lane: WriteLane = request.app.state.write_lane
    return await lane.run(func, service_of(request), *args, **kwargs)
