"""Instructions per filing in the service layer, counted by callgrind: the same number run
after run, however busy or slow the machine is.

Run: ``.venv/bin/python benchmarks/instructions.py [--filings N] [--warm N] [--base SRC]
[--server]``
(needs Debian's ``valgrind``; about a minute per scenario and tree).

Files the flights of ``benchmarks/load.py`` on a fresh SQLite database, like
``benchmarks/filing.py``, in a child process under ``valgrind --tool=callgrind`` with
instrumentation off until the warm-up filings are done, then counts the instructions of the
measured ones (user space only: SQLite's, H3's, GEOS's and the interpreter's; not the
kernel's, so a system call costs one instruction). ``--base`` counts a second source tree
(e.g. a ``git worktree`` of an earlier commit) the same way and prints the ratio: timings on
these machines drift by ±15 % from minute to minute, instruction counts repeat to 0.1 %.

``--server`` counts a whole ``wellclear serve`` process instead (uvicorn, FastAPI, the event
loop, authentication, the write lane), sent the same filings over HTTP one at a time; the
event loop's share is printed too. Timers of the server's background work (notices, the
tactical monitor) run during the measured filings, so these repeat to about ±4 %.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from load import SCENARIOS, body, free_port, fresh_database
from wellclear.service import FilingRequest, Role, Service, add_party, authenticate, file_intent
from wellclear.service.errors import ConflictRejected
from wellclear.store import open_database

PARTIES = 10
SIGNAL_WAIT_S = 0.2


def child(scenario_name: str, warm: int, filings: int, signal: Path) -> None:
    """The filings, with the measured ones between two signals to the parent."""
    workdir = Path(tempfile.mkdtemp(prefix="wc-instr-"))
    service = Service(open_database(fresh_database("sqlite", None, workdir)))
    keys = [add_party(service.database, f"op-{n}", Role.OPERATOR).key for n in range(PARTIES)]
    callers = [authenticate(service.database, key) for key in keys]
    rng = random.Random(f"filing/{scenario_name}")
    bodies = [body(rng, SCENARIOS[scenario_name]) for _ in range(warm + filings)]

    def file(number: int) -> None:
        with contextlib.suppress(ConflictRejected):  # a refusal is work measured too
            file_intent(service, callers[number % PARTIES], FilingRequest(bodies[number]))

    for number in range(warm):
        file(number)
    _tell(signal, "start")
    for number in range(warm, warm + filings):
        file(number)
    _tell(signal, "stop")
    service.database.dispose()
    shutil.rmtree(workdir)


def _tell(signal: Path, word: str) -> None:
    signal.write_text(word)
    while signal.read_text() == word:  # the parent answers once it has toggled callgrind
        time.sleep(SIGNAL_WAIT_S)


def count(source: Path, scenario: str, warm: int, filings: int) -> float:
    """Instructions per measured filing, with ``source`` first on the module path."""
    with tempfile.TemporaryDirectory(prefix="wc-callgrind-") as tmp:
        signal, out = Path(tmp) / "signal", Path(tmp) / "callgrind.out"
        signal.write_text("")
        env = {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{Path(__file__).parent}"}
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={out}", sys.executable, __file__, "--child", scenario,
                   "--warm", str(warm), "--filings", str(filings),
                   "--signal", str(signal)]  # fmt: skip
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        _answer(process, signal, "start", ["-i", "on"])
        _answer(process, signal, "stop", ["-d"])
        if process.wait() != 0:
            raise SystemExit(f"the filings under callgrind failed ({process.returncode})")
        dumped = next(Path(tmp).glob("callgrind.out.*"))  # the dump taken at "stop"
        summary = next(line for line in dumped.read_text().splitlines()
                       if line.startswith("summary:"))  # fmt: skip
        return int(summary.split()[1]) / filings


def count_server(source: Path, scenario: str, warm: int, filings: int) -> tuple[float, float]:
    """Instructions per measured filing of a ``wellclear serve`` process running ``source``,
    and of its event loop alone (libuv's ``uv_run``, inclusive)."""
    with tempfile.TemporaryDirectory(prefix="wc-callgrind-") as tmp:
        workdir, out = Path(tmp), Path(tmp) / "callgrind.out"
        url = fresh_database("sqlite", None, workdir)
        service = Service(open_database(url))
        keys = [add_party(service.database, f"op-{n}", Role.OPERATOR).key
                for n in range(PARTIES)]  # fmt: skip
        service.database.dispose()
        rng = random.Random(f"filing/{scenario}")
        bodies = [body(rng, SCENARIOS[scenario]) for _ in range(warm + filings)]
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(source), "WELLCLEAR_DATABASE_URL": url,
               "WELLCLEAR_RATE_PER_S": "100000", "WELLCLEAR_RATE_BURST": "100000"}  # fmt: skip
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={out}", sys.executable, "-m", "wellclear.cli",
                   "serve", "--port", str(port)]  # fmt: skip
        with (workdir / "serve.log").open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300.0) as client:
                _wait_serving(client, process)

                def file(number: int) -> None:
                    headers = {"Authorization": f"Bearer {keys[number % PARTIES]}",
                               "Content-Type": "application/json"}  # fmt: skip
                    answer = client.post("/v1/intents", content=bodies[number], headers=headers)
                    if answer.status_code not in (201, 409):
                        raise SystemExit(f"filing {number}: {answer.status_code} {answer.text}")

                for number in range(warm):
                    file(number)
                _control(process, "-i", "on")
                for number in range(warm, warm + filings):
                    file(number)
                _control(process, "-d")
        finally:
            process.terminate()
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        dumped = next(workdir.glob("callgrind.out.*"))
        summary = re.search(r"^summary: (\d+)", dumped.read_text(), re.M)
        if summary is None:
            raise SystemExit(f"no summary in {dumped}")
        return int(summary.group(1)) / filings, _inclusive(dumped, "uv_run") / filings


def _wait_serving(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300  # valgrind starts a server in a minute or so
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server under callgrind exited ({process.returncode})")
        with contextlib.suppress(httpx.TransportError):
            if client.get("/readyz", timeout=5.0).status_code == 200:
                return
        time.sleep(1.0)
    raise SystemExit("the server under callgrind was not ready in 300 s")


def _control(process: subprocess.Popen[bytes], *control: str) -> None:
    subprocess.run(["callgrind_control", *control, str(process.pid)], check=True,
                   capture_output=True)  # fmt: skip


def _inclusive(dumped: Path, function: str) -> int:
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dumped)],
                               check=True, capture_output=True, text=True).stdout  # fmt: skip
    for line in annotated.splitlines():
        if re.search(rf":{function} \[", line):
            return int(line.split()[0].replace(",", ""))
    raise SystemExit(f"{function} is not in {dumped}'s annotation")


def _answer(process: subprocess.Popen[bytes], signal: Path, word: str, control: list[str]) -> None:
    while signal.read_text() != word:
        if process.poll() is not None:
            raise SystemExit(f"the filings under callgrind exited early ({process.returncode})")
        time.sleep(SIGNAL_WAIT_S)
    _control(process, *control)
    signal.write_text(f"{word}: done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=100, help="measured filings (100)")
    parser.add_argument("--warm", type=int, default=300, help="filings before (300)")
    parser.add_argument("--base", type=Path, help="a second source tree (its src/) to compare")
    parser.add_argument("--server", action="store_true",
                        help="count a `wellclear serve` process (filings over HTTP)")  # fmt: skip
    parser.add_argument("--child", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--signal", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.warm, args.filings, args.signal)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    this = Path(__file__).resolve().parent.parent / "src"
    trees = [("base", args.base.resolve())] if args.base else []
    trees.append(("this", this))
    what = "a `wellclear serve` process" if args.server else "the service layer"
    print(f"{args.filings:,} filings measured after {args.warm:,}, SQLite, instructions each "
          f"({what})")  # fmt: skip
    names = [name for name, _ in trees]
    if args.server:
        names += [f"{name}: event loop" for name, _ in trees]
    print("| scenario | " + " | ".join(names) + (" | this / base |" if args.base else " |"))
    print("| --- |" + " ---: |" * (len(names) + (1 if args.base else 0)))
    for scenario in SCENARIOS:
        if args.server:
            measured = [count_server(source, scenario, args.warm, args.filings)
                        for _, source in trees]  # fmt: skip
            counts = [total for total, _ in measured] + [loop for _, loop in measured]
        else:
            counts = [count(source, scenario, args.warm, args.filings) for _, source in trees]
        ratio = f" | {counts[len(trees) - 1] / counts[0]:.3f}" if args.base else ""
        print(f"| {scenario} | " + " | ".join(f"{c / 1e6:.2f} M" for c in counts) + ratio + " |")


if __name__ == "__main__":
    main()
