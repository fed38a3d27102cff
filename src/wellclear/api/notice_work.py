"""The notices' background work for the app's lifetime: webhook delivery, escalation passes
and, on PostgreSQL, a ``LISTEN`` connection that wakes this process's streams."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import psycopg
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from wellclear.api.settings import NoticeSettings
from wellclear.service import Service, webhooks
from wellclear.service import notices as service_notices
from wellclear.service.escalation import escalate_due

log = logging.getLogger("wellclear.api.notices")
LISTENING_POLL_S = 5.0  # with LISTEN/NOTIFY, a slow poll only covers a lost connection


class Wakeup:
    """Wakes the streams of this process when notice events may have committed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.listening = False  # PostgreSQL LISTEN connected: polling can be slow

    def current(self) -> asyncio.Event:
        return self._event

    def wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


def settings_of(app: FastAPI) -> NoticeSettings:
    settings = getattr(app.state, "notice_settings", None)
    if not isinstance(settings, NoticeSettings):
        settings = NoticeSettings.from_env()
        app.state.notice_settings = settings
    return settings


def wakeup_of(app: FastAPI) -> Wakeup:
    wakeup = getattr(app.state, "notice_wakeup", None)
    if not isinstance(wakeup, Wakeup):
        wakeup = Wakeup()
        app.state.notice_wakeup = wakeup
    return wakeup


@asynccontextmanager
async def background(app: FastAPI) -> AsyncIterator[None]:
    """For the app's lifetime: webhook delivery, escalation passes and, on PostgreSQL, a
    ``LISTEN`` connection that wakes this process's streams when notice events commit."""
    service: Service = app.state.service
    settings = settings_of(app)
    wakeup = wakeup_of(app)
    tasks = [
        asyncio.create_task(_escalating(service, settings)),
        asyncio.create_task(_delivering(service, settings, wakeup)),
    ]
    url = service_notices.listen_url(service)
    if url is not None:
        tasks.append(asyncio.create_task(_listening(url, wakeup)))
    loop = asyncio.get_running_loop()

    def committed() -> None:  # in the committing thread: wake this process's streams now
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(wakeup.wake)

    forget = service_notices.on_events_committed(committed)
    try:
        yield
    finally:
        forget()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _escalating(service: Service, settings: NoticeSettings) -> None:
    while True:
        try:
            count = await run_in_threadpool(escalate_due, service)
            if count:
                log.info("escalated %d notice(s)", count)
        except Exception:
            log.exception("escalation pass failed")
        await asyncio.sleep(settings.escalation_every_s)


async def _listening(url: str, wakeup: Wakeup) -> None:
    channel = service_notices.NOTIFY_CHANNEL
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
                await connection.execute(f"LISTEN {channel}")
                wakeup.listening = True
                wakeup.wake()  # anything committed while we were not listening
                async for _notify in connection.notifies():
                    wakeup.wake()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("LISTEN %s failed; streams poll until it is back", channel)
        wakeup.listening = False
        await asyncio.sleep(1.0)


async def _delivering(service: Service, settings: NoticeSettings, wakeup: Wakeup) -> None:
    retry = webhooks.RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        backoff_s=settings.webhook_backoff_s,
        max_backoff_s=settings.webhook_max_backoff_s,
        lease_s=settings.webhook_timeout_s * 3 + 5,
    )
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_s, verify=True) as client:
        while True:
            signal = wakeup.current()
            try:
                due = await run_in_threadpool(webhooks.claim_due, service, retry)
                await asyncio.gather(*(_send(client, service, retry, o) for o in due))
            except Exception:
                log.exception("webhook delivery pass failed")
                due = []
            if not due:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(signal.wait(), timeout=min(0.5, settings.stream_poll_s))


async def _send(
    client: httpx.AsyncClient,
    service: Service,
    retry: webhooks.RetryPolicy,
    outgoing: webhooks.Outgoing,
) -> None:
    status_code: int | None = None
    error: str | None = None
    if outgoing.url is None:
        error = "the party has no webhook any more"
    else:
        try:
            response = await client.post(outgoing.url, content=outgoing.body,
                                         headers=outgoing.headers)  # fmt: skip
            status_code = response.status_code
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
    await run_in_threadpool(
        lambda: webhooks.finish(service, outgoing, retry, status_code=status_code, error=error)
    )
