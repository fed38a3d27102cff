"""The write lane: answers, errors, the caller's context, order, and closing."""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time

import pytest

from wellclear.api.lanes import WriteLane, yield_loop_on_one_cpu

ACTOR: contextvars.ContextVar[str] = contextvars.ContextVar("actor", default="nobody")


def test_a_call_answers_with_its_result_on_a_lane_thread() -> None:
    lane = WriteLane(1)
    try:
        name = asyncio.run(lane.run(lambda: threading.current_thread().name))
    finally:
        lane.close()
    assert name == "wellclear-write_0"


def test_a_call_raises_what_its_work_raised() -> None:
    lane = WriteLane(1)

    def refuse(reason: str) -> None:
        raise LookupError(reason)

    try:
        with pytest.raises(LookupError, match="taken"):
            asyncio.run(lane.run(refuse, "taken"))
    finally:
        lane.close()


def test_a_call_runs_in_the_callers_context() -> None:
    lane = WriteLane(2)

    async def as_actor(actor: str) -> str:
        ACTOR.set(actor)
        return await lane.run(ACTOR.get)

    async def both() -> list[str]:
        return list(await asyncio.gather(as_actor("party:blue"), as_actor("party:red")))

    try:
        assert asyncio.run(both()) == ["party:blue", "party:red"]
    finally:
        lane.close()


def test_one_thread_runs_calls_one_at_a_time_in_arrival_order() -> None:
    lane = WriteLane(1)
    running, order = [], []

    def work(number: int) -> int:
        running.append(number)
        assert len(running) == 1, "two calls ran at once"
        time.sleep(0.002)
        order.append(number)
        running.remove(number)
        return number * number

    async def many() -> list[int]:
        return list(await asyncio.gather(*(lane.run(work, n) for n in range(20))))

    try:
        assert asyncio.run(many()) == [n * n for n in range(20)]
    finally:
        lane.close()
    assert order == list(range(20))


def test_close_finishes_the_queued_calls_then_refuses_new_ones() -> None:
    lane = WriteLane(1)
    release, done = threading.Event(), []

    def blocked() -> None:
        release.wait(5)
        done.append("first")

    async def queue_two_then_close() -> None:
        first = asyncio.ensure_future(lane.run(blocked))
        second = asyncio.ensure_future(lane.run(done.append, "second"))
        await asyncio.sleep(0.05)  # both queued, the first running
        closing = threading.Thread(target=lane.close)
        closing.start()
        release.set()
        await asyncio.gather(first, second)
        closing.join(5)
        with pytest.raises(RuntimeError, match="closed"):
            await lane.run(done.append, "late")

    asyncio.run(queue_two_then_close())
    assert done == ["first", "second"]


def test_a_call_cancelled_while_queued_does_not_run() -> None:
    lane = WriteLane(1)
    release, ran = threading.Event(), list[str]()

    async def cancel_the_second() -> None:
        first = asyncio.ensure_future(lane.run(release.wait, 5))
        second = asyncio.ensure_future(lane.run(ran.append, "second"))
        await asyncio.sleep(0.05)
        second.cancel()
        release.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await second

    try:
        asyncio.run(cancel_the_second())
    finally:
        lane.close()
    assert ran == []


def test_a_lane_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        WriteLane(0)


def test_a_lane_never_called_starts_no_thread_and_closes_at_once() -> None:
    before = threading.active_count()
    lane = WriteLane(2)
    assert threading.active_count() == before
    lane.close()


def test_a_write_raising_stop_iteration_fails_the_request_instead_of_hanging() -> None:
    lane = WriteLane(1)

    def exhausted() -> None:
        raise StopIteration

    try:
        with pytest.raises(RuntimeError, match="StopIteration"):
            asyncio.run(asyncio.wait_for(lane.run(exhausted), 5))
    finally:
        lane.close()


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="Linux scheduling policies")
def test_on_one_cpu_the_loop_yields_and_the_write_threads_do_not() -> None:
    """A loop limited to one CPU runs at SCHED_BATCH; the lane it starts, at the default."""
    seen: dict[str, object] = {}

    def loop_thread() -> None:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # this thread only
        seen["yields"] = yield_loop_on_one_cpu()
        seen["loop"] = os.sched_getscheduler(0)
        lane = WriteLane(1)
        try:
            seen["write"] = asyncio.run(lane.run(os.sched_getscheduler, 0))
        finally:
            lane.close()

    thread = threading.Thread(target=loop_thread)
    thread.start()
    thread.join(10)
    assert seen == {"yields": True, "loop": os.SCHED_BATCH, "write": os.SCHED_OTHER}
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the test's own thread untouched


def test_with_several_cpus_the_loop_keeps_its_policy() -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("this machine gives the tests one CPU")
    assert yield_loop_on_one_cpu() is False
    assert os.sched_getscheduler(0) == os.SCHED_OTHER
