"""Re-capture the curl examples of ``docs/api.md`` from a real server.

    .venv/bin/python docs/tools/capture_api_examples.py            # rewrite docs/api.md
    .venv/bin/python docs/tools/capture_api_examples.py --print    # only print the blocks

What it does, with real parts only: a fresh SQLite file in a temporary directory,
``wellclear db upgrade``, four parties (``wellclear party add``: blue-air and red-air
operators, joint-cell observer, ops admin), a webhook for red-air pointing at a small
receiver this script runs (it answers 204), then ``wellclear serve`` on port 8080 (or a
free port if 8080 is taken; the commands are shown with ``localhost:8080`` either way).
Then it runs every example below with ``bash`` and ``curl`` as shown (``$BLUE``, ``$RED``,
``$JOINT``, ``$ADMIN`` hold the keys; the request bodies are files in the working
directory, also shown in api.md) and replaces the block between ``<!-- example NAME -->``
and ``<!-- /example -->`` in api.md with the command and its output.

Outputs are trimmed, never rewritten: of the response headers only the status line and the
headers named per example are kept; JSON bodies are pretty-printed with arrays longer than
the example's ``items`` cut to their first elements and ``…``; long lines end in ``…``.
Ids, times, versions and hashes are whatever the server answered on this run.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"
SHOWN_PORT = 8080
WIDTH = 100
BLOCK = re.compile(r"(<!-- example ([a-z0-9-]+) -->\n)(.*?)(<!-- /example -->)", re.S)
# Response headers kept when an example does not name its own.
HEADERS = ("content-type", "etag", "location", "retry-after", "www-authenticate")


# --- request bodies ------------------------------------------------------------------------------


def _t(moment: datetime) -> dict[str, str]:
    return {"value": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "format": "RFC3339"}


def _circle(lat: float, lng: float, radius_m: float, floor_m: float, ceiling_m: float,
            start: datetime, end: datetime) -> dict[str, Any]:  # fmt: skip
    return {
        "volume": {
            "outline_circle": {
                "center": {"lat": lat, "lng": lng},
                "radius": {"value": radius_m, "units": "M"},
            },
            "altitude_lower": {"value": floor_m, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": ceiling_m, "reference": "W84", "units": "M"},
        },
        "time_start": _t(start),
        "time_end": _t(end),
    }


def _polygon(vertices: list[tuple[float, float]], floor_m: float, ceiling_m: float,
             start: datetime, end: datetime) -> dict[str, Any]:  # fmt: skip
    extent = _circle(0, 0, 1, floor_m, ceiling_m, start, end)
    del extent["volume"]["outline_circle"]
    extent["volume"]["outline_polygon"] = {
        "vertices": [{"lat": lat, "lng": lng} for lat, lng in vertices]
    }
    return extent


def bodies(t0: datetime) -> dict[str, Any]:
    """The request bodies the examples send (near Aleppo, starting at ``t0``)."""
    hour = timedelta(hours=1)
    flight = {
        "kind": "flight",
        "priority": 0,
        "extents": [
            _circle(36.20, 37.10, 2000, 1000, 2000, t0, t0 + hour),
            _circle(36.30, 37.30, 2000, 1500, 2500, t0 + hour, t0 + 2 * hour),
        ],
    }
    operation = {
        "kind": "operation",
        "priority": 0,
        "extents": [
            _polygon(
                [(36.40, 37.00), (36.40, 37.10), (36.46, 37.10), (36.46, 37.00)],
                0,
                3000,
                t0,
                t0 + 3 * hour,
            )
        ],
    }
    operation_moved = json.loads(json.dumps(operation))
    operation_moved["priority"] = 1
    nearby_operation = {
        "kind": "operation",
        "priority": 0,
        "extents": [_circle(36.48, 37.05, 1500, 500, 2500, t0 + hour, t0 + 2 * hour)],
    }
    crossing_flight = {
        "kind": "flight",
        "priority": 0,
        "extents": [_circle(36.22, 37.12, 1000, 1200, 1800, t0 + timedelta(minutes=30),
                            t0 + timedelta(minutes=50))],
    }  # fmt: skip
    bad = {
        "kind": "flight",
        "extents": [_circle(95.0, 37.1, 1000, 1000, 2000, t0 + hour, t0)],
    }
    return {
        "flight.json": flight,
        "operation.json": operation,
        "operation-v2.json": operation_moved,
        "red-operation.json": nearby_operation,
        "red-flight.json": crossing_flight,
        "bad.json": bad,
        "blue-tracks.json": {"states": [
            {"id": "4CA2D6", "callsign": "BLU12", "lat": 36.2, "lon": 37.0, "alt_ft": 10000,
             "trk_deg": 90, "gs_kt": 250, "vs_fpm": 0},
        ]},
        "red-tracks.json": {"states": [
            {"id": "7C1A3F", "callsign": "RED7", "lat": 36.2, "lon": 37.3, "alt_ft": 10000,
             "trk_deg": 270, "gs_kt": 250, "vs_fpm": 0},
        ]},
    }  # fmt: skip


# --- examples ------------------------------------------------------------------------------------


@dataclass
class Example:
    """``command`` (``{name}`` fields filled from earlier answers) run by bash."""

    name: str
    command: str
    headers: tuple[str, ...] | None = HEADERS  # None: the command has no ``-i``
    items: int = 3  # arrays longer than this are cut
    lines: int = 40  # output lines kept
    keep: Callable[[Context, str], None] | None = None  # remember values for later commands
    before: Callable[[Context], None] | None = None  # wait for something first


@dataclass
class Context:
    base_url: str
    env: dict[str, str]
    workdir: Path
    values: dict[str, str] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict[str, str], str]] = field(default_factory=dict)

    def get(self, path: str, key: str) -> Any:
        request = subprocess.run(
            ["curl", "-s", "-H", f"Authorization: Bearer {self.env[key]}", self.base_url + path],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(request.stdout)


def _json_of(ctx: Context, name: str) -> Any:
    return json.loads(ctx.answers[name][2])


def _keep_version(ctx: Context, name: str) -> None:
    ctx.values["version"] = ctx.answers[name][1]["etag"].strip('"')


def _keep_flight(ctx: Context, name: str) -> None:
    ctx.values["flight_id"] = _json_of(ctx, name)["intent"]["id"]


def _keep_conflict(ctx: Context, name: str) -> None:
    ctx.values["conflict_id"] = _json_of(ctx, name)["conflicts"][0]["id"]


def _keep_notice(ctx: Context, name: str) -> None:
    ctx.values["notice_id"] = str(_json_of(ctx, name)["items"][0]["id"])


def _keep_head(ctx: Context, name: str) -> None:
    ctx.values["after_seq"] = str(max(int(_json_of(ctx, name)["seq"]) - 2, 0))


def _wait_for_alert(ctx: Context) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if ctx.get("/v1/alerts", "BLUE")["items"]:
            return
        time.sleep(0.5)
    raise SystemExit("no alert within 20 s: is the monitor running?")


def _wait_for_delivery(ctx: Context) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        items = ctx.get("/v1/notices/deliveries", "RED")["items"]
        if any(d["outcome"] == "delivered" for d in items):
            return
        time.sleep(0.5)
    raise SystemExit("no webhook delivery within 20 s")


AUTH = "Authorization: Bearer"
URL = f"localhost:{SHOWN_PORT}"
EXAMPLES = [
    # intents
    Example(
        "post-intent",
        f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $BLUE" '
        "-H 'Idempotency-Key: 2b9f6c1e' -d @flight.json",
        keep=_keep_flight,
        items=1,
        lines=60,
    ),
    Example(
        "post-intent-replay",
        f'curl -s -X POST {URL}/v1/intents -H "{AUTH} $BLUE" '
        "-H 'Idempotency-Key: 2b9f6c1e' -d @flight.json | jq -r .intent.id",
        headers=None,
    ),
    Example(
        "post-intent-key-reused",
        f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $BLUE" '
        "-H 'Idempotency-Key: 2b9f6c1e' -d @operation.json",
    ),
    Example(
        "put-intent-create",
        f'curl -si -X PUT {URL}/v1/intents/op-north -H "{AUTH} $BLUE" -d @operation.json',
        keep=_keep_version,
        items=2,
    ),
    Example(
        "put-intent-replace",
        f'curl -si -X PUT {URL}/v1/intents/op-north -H "{AUTH} $BLUE" '
        "-H 'If-Match: \"{version}\"' -d @operation-v2.json",
        items=2,
    ),
    Example(
        "put-intent-stale",
        f'curl -si -X PUT {URL}/v1/intents/op-north -H "{AUTH} $BLUE" '
        "-H 'If-Match: \"{version}\"' -d @operation-v2.json",
    ),
    Example(
        "put-intent-no-if-match",
        f'curl -si -X PUT {URL}/v1/intents/op-north -H "{AUTH} $BLUE" -d @operation-v2.json',
    ),
    Example(
        "get-intents",
        f'curl -si "{URL}/v1/intents?kind=operation&state=accepted&limit=1" -H "{AUTH} $BLUE"',
        items=1,
    ),
    Example(
        "get-intents-observer",
        f'curl -s "{URL}/v1/intents?party=blue-air&limit=5" '
        f"-H \"{AUTH} $JOINT\" | jq -c '.items[] | {{{{id, kind, state}}}}'",
        headers=None,
    ),
    Example("get-intent", f'curl -si {URL}/v1/intents/op-north -H "{AUTH} $BLUE"', items=1),
    Example("get-intent-other", f'curl -si {URL}/v1/intents/op-north -H "{AUTH} $RED"'),
    Example(
        "post-intent-notify",
        f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $RED" -d @red-operation.json',
        keep=_keep_conflict,
        items=2,
    ),
    Example(
        "post-intent-rejected",
        f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $RED" -d @red-flight.json',
        items=2,
        lines=60,
    ),
    Example(
        "post-intent-invalid", f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $BLUE" -d @bad.json'
    ),
    Example(
        "post-intent-media-type",
        f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $BLUE" '
        "-H 'Content-Type: text/plain' -d @flight.json",
    ),
    Example(
        "post-intent-too-large",
        f"head -c 1000001 /dev/zero | curl -si -X POST "
        f'{URL}/v1/intents -H "{AUTH} $BLUE" --data-binary @-',
    ),
    Example("no-key", f"curl -si {URL}/v1/intents"),
    Example(
        "observer-writes", f'curl -si -X POST {URL}/v1/intents -H "{AUTH} $JOINT" -d @flight.json'
    ),
    Example(
        "post-state",
        f'curl -si -X POST {URL}/v1/intents/op-north/state -H "{AUTH} $BLUE" '
        """-d '{{"state": "activated"}}'""",
        items=1,
    ),
    Example(
        "post-state-invalid",
        f"curl -si -X POST {URL}/v1/intents/op-north/state "
        f'-H "{AUTH} $BLUE" '
        """-d '{{"state": "accepted"}}'""",
    ),
    Example(
        "delete-intent",
        f"curl -s -X DELETE {URL}/v1/intents/{{flight_id}} "
        f"-H \"{AUTH} $BLUE\" | jq -c '{{{{id, state, updated_at}}}}'",
        headers=None,
    ),
    Example(
        "get-conflicts", f'curl -si "{URL}/v1/conflicts?status=open" -H "{AUTH} $RED"', items=4
    ),
    # notices
    Example(
        "get-notices",
        f'curl -si "{URL}/v1/notices?unacked=true&limit=1" -H "{AUTH} $BLUE"',
        keep=_keep_notice,
    ),
    Example("get-notice", f'curl -si {URL}/v1/notices/{{notice_id}} -H "{AUTH} $BLUE"'),
    Example("ack-notice", f'curl -si -X POST {URL}/v1/notices/{{notice_id}}/ack -H "{AUTH} $BLUE"'),
    Example(
        "ack-notice-other", f'curl -si -X POST {URL}/v1/notices/{{notice_id}}/ack -H "{AUTH} $RED"'
    ),
    Example(
        "stream",
        f'curl -sN "{URL}/v1/notices/stream?last_event_id=0&wait_s=1" -H "{AUTH} $BLUE"',
        headers=None,
        lines=12,
    ),
    Example(
        "get-deliveries",
        f'curl -si "{URL}/v1/notices/deliveries?limit=1" -H "{AUTH} $RED"',
        before=_wait_for_delivery,
    ),
    Example(
        "redeliver-all",
        f'curl -si -X POST {URL}/v1/notices/deliveries/redeliver -H "{AUTH} $RED"',
    ),
    # hotline
    Example(
        "post-message",
        f'curl -si -X POST {URL}/v1/hotline/messages -H "{AUTH} $BLUE" '
        """-H 'Content-Type: application/json' -d '{{"to": "red-air", """
        """"body": "We move op-north 5 km west at 11:00.", """
        """"regarding": "conflict:{conflict_id}"}}'""",
    ),
    Example(
        "post-message-form",
        f'curl -si -X POST {URL}/v1/hotline/messages -H "{AUTH} $BLUE" '
        """-d '{{"to": "red-air", "body": "", "regarding": "conflict:x"}}'""",
    ),
    Example("get-messages", f'curl -si "{URL}/v1/hotline/messages?with=blue-air" -H "{AUTH} $RED"'),
    # tracks
    Example(
        "post-tracks", f'curl -si -X POST {URL}/v1/tracks -H "{AUTH} $BLUE" -d @blue-tracks.json'
    ),
    Example(
        "post-tracks-red",
        f'curl -s -X POST {URL}/v1/tracks -H "{AUTH} $RED" -d @red-tracks.json',
        headers=None,
    ),
    Example("get-tracks", f'curl -si {URL}/v1/tracks -H "{AUTH} $BLUE"'),
    Example(
        "get-alerts",
        f'curl -si "{URL}/v1/alerts?status=open" -H "{AUTH} $BLUE"',
        before=_wait_for_alert,
        lines=60,
    ),
    Example("observer-tracks", f'curl -si "{URL}/v1/tracks?party=red-air" -H "{AUTH} $JOINT"'),
    # audit
    Example("audit-head", f'curl -si {URL}/v1/audit/head -H "{AUTH} $BLUE"', keep=_keep_head),
    Example(
        "audit-entries",
        f'curl -si "{URL}/v1/audit/entries?limit=2" -H "{AUTH} $BLUE"',
        items=2,
        lines=50,
    ),
    Example(
        "audit-entries-observer",
        f'curl -s "{URL}/v1/audit/entries?after_seq={{after_seq}}" '
        f"-H \"{AUTH} $JOINT\" | jq -c '.items[] | {{{{seq, actor, action, subject}}}}'",
        headers=None,
    ),
    # operations
    Example("me", f'curl -si {URL}/v1/me -H "{AUTH} $BLUE"'),
    Example("healthz", f"curl -si {URL}/healthz"),
    Example("readyz", f"curl -si {URL}/readyz"),
    Example(
        "metrics",
        f"curl -s {URL}/metrics | grep -E "
        "'^wellclear_(intent_filings_total|conflicts_recorded_total|monitor_leader"
        "|http_requests_total.method=.POST.,route=./v1/intents.)'",
        headers=None,
        lines=14,
    ),
    Example(
        "openapi", f"curl -s {URL}/openapi.json | jq -r '.openapi, (.paths | keys[])'", headers=None
    ),
    Example(
        "request-id",
        f"curl -si {URL}/healthz -H 'X-Request-Id: my-trace-42'",
        headers=("content-type", "x-request-id"),
    ),
    Example("page", f"curl -si {URL}/ | head -1", headers=None),
    Example("asset", f"curl -si {URL}/assets/app.css | head -1", headers=None),
]


# --- running -------------------------------------------------------------------------------------


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise SystemExit("no free port")


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # http.server's name
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


def _wellclear(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wellclear.cli", *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"wellclear {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port)],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
             f"http://127.0.0.1:{port}/readyz"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if probe.stdout == "200":
            return server
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not get ready:\n{log.read_text()}")


def _split(raw: str, with_headers: bool) -> tuple[int, dict[str, str], str, str]:
    """(status, headers, status line, body) of ``curl -i`` output."""
    if not with_headers:
        return 0, {}, "", raw
    head, _, body = raw.replace("\r\n", "\n").partition("\n\n")
    status_line, *lines = head.split("\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, status_line, body


def _render(value: Any, items: int, indent: int = 0, key_chars: int = 0) -> str:
    """Pretty JSON: short values on one line; arrays longer than ``items`` cut with ``…``."""
    pad = " " * indent
    if isinstance(value, list) and len(value) > items:
        shown = [_render(v, items, indent + 2) for v in value[:items]]
        return "[\n" + ",\n".join(f"{pad}  {s}" for s in [*shown, "…"]) + f"\n{pad}]"
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent + key_chars < WIDTH - 2 or not isinstance(value, dict | list):
        return flat
    if isinstance(value, list):
        inner = [_render(v, items, indent + 2) for v in value]
        return "[\n" + ",\n".join(f"{pad}  {s}" for s in inner) + f"\n{pad}]"
    inner = [
        f"{json.dumps(k)}: {_render(v, items, indent + 2, len(json.dumps(k)) + 2)}"
        for k, v in value.items()
    ]
    return "{\n" + ",\n".join(f"{pad}  {s}" for s in inner) + f"\n{pad}}}"


def _trim_lines(text: str, lines: int) -> str:
    kept = []
    for line in text.rstrip("\n").split("\n")[:lines]:
        kept.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    if len(text.rstrip("\n").split("\n")) > lines:
        kept.append("…")
    return "\n".join(kept)


def run(example: Example, ctx: Context) -> str:
    if example.before is not None:
        example.before(ctx)
    shown = example.command.format(**ctx.values)
    executed = shown.replace(URL, ctx.base_url.removeprefix("http://"))
    done = subprocess.run(["bash", "-c", executed], env=ctx.env, cwd=ctx.workdir,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.stderr.strip():
        raise SystemExit(f"{example.name}: {done.stderr}")
    status, headers, status_line, body = _split(done.stdout, example.headers is not None)
    ctx.answers[example.name] = (status, headers, body)
    if example.keep is not None:
        try:
            example.keep(ctx, example.name)
        except (KeyError, IndexError, ValueError) as error:
            raise SystemExit(f"{example.name}: no {error} in the answer:\n{done.stdout}") from None
    out = []
    if example.headers is not None:
        out.append(status_line)
        out += [f"{n}: {headers[n]}" for n in example.headers if n in headers]
        out.append("")
    try:  # jq's answers are shown as jq printed them
        parsed = json.loads(body) if body.strip() and "| jq" not in shown else None
    except json.JSONDecodeError:
        parsed = None
    if parsed is not None:
        out.append(_render(parsed, example.items))
    elif body.strip():
        out.append(body.rstrip("\n"))
    return f"```console\n$ {shown}\n{_trim_lines(chr(10).join(out), example.lines)}\n```\n"


@dataclass
class Setup:
    env: dict[str, str]
    workdir: Path
    base_url: str


@contextmanager
def _setup(workdir: Path) -> Iterator[Setup]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELLCLEAR_")}
    env["WELLCLEAR_DATABASE_URL"] = f"sqlite:///{workdir / 'wellclear.db'}"
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    _wellclear(env, "db", "upgrade")
    for variable, name, role in (
        ("BLUE", "blue-air", "operator"),
        ("RED", "red-air", "operator"),
        ("JOINT", "joint-cell", "observer"),
        ("ADMIN", "ops", "admin"),
    ):
        env[variable] = _wellclear(env, "party", "add", name, "--role", role)
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/wellclear"
    _wellclear(env, "party", "set-webhook", "red-air", hook)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for name, body in bodies(now + timedelta(hours=2)).items():
        (workdir / name).write_text(json.dumps(body, indent=2) + "\n")
    port = _free_port(SHOWN_PORT)
    server = _start(env, port, workdir / "server.log")
    try:
        yield Setup(env, workdir, f"http://localhost:{port}")
    finally:
        server.terminate()
        server.wait(timeout=20)
        receiver.shutdown()


def capture() -> dict[str, str]:
    workdir = Path(tempfile.mkdtemp(prefix="wellclear-api-"))
    try:
        with _setup(workdir) as setup:
            ctx = Context(setup.base_url, setup.env, workdir)
            blocks = {e.name: run(e, ctx) for e in EXAMPLES}
            blocks["bodies"] = _bodies_block(workdir)
        return blocks
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _bodies_block(workdir: Path) -> str:
    shown = []
    for name in ("flight.json", "operation.json", "blue-tracks.json"):
        shown.append(f"$ cat {name}\n{_render(json.loads((workdir / name).read_text()), 9)}")
    return "```console\n" + "\n".join(shown) + "\n```\n"


def write(blocks: dict[str, str], path: Path) -> None:
    text = path.read_text()
    named = {m.group(2) for m in BLOCK.finditer(text)}
    missing = sorted(named - blocks.keys())
    if missing:
        raise SystemExit(f"{path} has example blocks no example fills: {missing}")
    unused = sorted(blocks.keys() - named)
    if unused:
        print(f"not in {path.name} (not written): {unused}", file=sys.stderr)
    path.write_text(BLOCK.sub(lambda m: m.group(1) + blocks[m.group(2)] + m.group(4), text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", action="store_true", help="print the blocks, write nothing")
    parser.add_argument("--out", type=Path, default=API_MD, help="the page to fill in")
    args = parser.parse_args()
    blocks = capture()
    if args.print:
        for name, block in blocks.items():
            print(f"<!-- example {name} -->\n{block}")
        return
    write(blocks, args.out)
    print(f"{args.out}: {len(blocks)} examples captured")


if __name__ == "__main__":
    main()
