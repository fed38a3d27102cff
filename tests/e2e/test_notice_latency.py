"""Notice delivery latency, from a filing's answer to the SSE event reaching a client: of the
same server process (woken by the commit), or of another one (SQLite: streams poll every
0.5 s; PostgreSQL: LISTEN/NOTIFY). Prints p50/p99 (docs/hotline.md); the bounds only catch
a broken wake-up, the machine may be loaded.

    .venv/bin/pytest -q -n 0 -s tests/e2e/test_notice_latency.py
"""

from __future__ import annotations

import statistics
import time

import httpx
import pytest
from notice_support import StreamReader, make_parties, operation_near

from wellclear.service import Role

FILINGS = 60


@pytest.mark.parametrize("count", [1, 2], ids=["same process", "another process"])
def test_notice_delivery_latency(database_url, start_servers, count):
    headers = make_parties(database_url, blue=Role.OPERATOR, red=Role.OPERATOR)
    postgres = database_url.startswith("postgresql")
    servers = start_servers(database_url, count, stream_keepalive_s=30)
    filing_server, stream_server = servers[0], servers[-1]
    reader = StreamReader(stream_server.base_url, headers["blue"]).start()
    time.sleep(0.5)
    latencies_s = []
    with httpx.Client(base_url=filing_server.base_url, timeout=30) as client:
        for index in range(FILINGS):
            first = client.post("/v1/intents", json=operation_near(index), headers=headers["blue"])
            assert first.status_code == 201, first.text
            second = client.post("/v1/intents", json=operation_near(index, 4_000),
                                 headers=headers["red"])  # fmt: skip
            answered = time.monotonic()
            assert second.status_code == 201, second.text
            event = reader.wait_for(index + 1)[index]
            latencies_s.append(max(0.0, event.received_at - answered))
    reader.stop()
    latencies_ms = sorted(1000 * s for s in latencies_s)
    p50 = statistics.median(latencies_ms)
    p99 = latencies_ms[min(len(latencies_ms) - 1, int(0.99 * len(latencies_ms)))]
    setup = ("PostgreSQL" if postgres else "SQLite") + (", stream on another server" * (count - 1))
    print(f"\n{setup}: {FILINGS} filings, answered → SSE event p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    assert p50 < (1_000 if postgres else 2_000)
