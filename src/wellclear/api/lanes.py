"""Where the API runs blocking writes: a few threads, not one per waiting request.

A filing is mostly Python (parsing, the cell cover, the exact phase), so threads running
filings at once only take turns on the GIL — and every turn costs a thread switch. Sixteen
concurrent filings in sixteen threads used a fifth more CPU per filing than in one thread
(7.2 against 5.9 ms, ``benchmarks/load.py`` on SQLite). On SQLite writes serialise anyway;
on PostgreSQL a second thread lets one filing's round trips overlap another's Python.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from fastapi import Request

from wellclear.api.auth import service_of
from wellclear.service import Service

P = ParamSpec("P")
T = TypeVar("T")

SQLITE_WRITE_THREADS = 1
POSTGRESQL_WRITE_THREADS = 2


class WriteLane:
    """Runs blocking write calls on ``threads`` threads of its own, in the caller's context
    (so the audit actor named by the request goes with the call).

    Its own threads take queued calls one after another, without a trip through the event
    loop between them.
    """

    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError(f"a write lane needs at least one thread, not {threads}")
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="wellclear-write")

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        context = contextvars.copy_context()
        call = functools.partial(context.run, func, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Finish the calls under way and stop the threads."""
        self._executor.shutdown(wait=True)


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
