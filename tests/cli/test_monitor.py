"""``wellclear monitor`` on a recording, an OpenSky CSV and a local TCP feed."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from pathlib import Path

from typer.testing import CliRunner

from wellclear.cli import app

DATA = Path(__file__).parents[1] / "data" / "tactical"
RECORDING = DATA / "head_on.sbs"


def invoke(*args: str):
    return CliRunner().invoke(app, ["monitor", *args])


def test_replay_writes_alerts_and_summary(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    result = invoke("--file", str(RECORDING), "--interval-s", "5", "--jsonl", str(alerts), "--json")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["malformed"] == 2
    assert summary["lines"] == 131
    assert {t["id"] for t in summary["tracks"]} == {"4CA2D6", "406A3B", "3C6444"}
    assert summary["alerting_pairs"] == 1
    events = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert events[0]["event"] == "new"
    assert events[0]["pair"] == ["406A3B", "4CA2D6"]
    assert events[0]["callsigns"] == ["BAW4", "KLM12"]
    assert events[0]["level"] == "warning"
    assert events[0]["time"].startswith("2024-07-06T06:40:05")


def test_replay_gzip_and_table(tmp_path: Path) -> None:
    packed = tmp_path / "rec.sbs.gz"
    packed.write_bytes(gzip.compress(RECORDING.read_bytes()))
    result = invoke("--file", str(packed))
    assert result.exit_code == 1, result.output
    assert "KLM12" in result.stdout
    assert "131 lines (2 malformed" in result.stdout


def test_replay_at_speed_takes_feed_time(tmp_path: Path) -> None:
    short = tmp_path / "short.sbs"
    short.write_text("\n".join(RECORDING.read_text().splitlines()[:20]) + "\n")  # ~3 s of feed
    result = invoke("--file", str(short), "--speed", "10", "--json")
    assert result.exit_code in {0, 1}, result.output


def test_opensky_replay(tmp_path: Path) -> None:
    csv = tmp_path / "states.csv"
    csv.write_text(
        "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,baroaltitude\n"
        "1500000000,4ca2d6,52.0,5.0,205.8,0,0,KLM12,false,9448.8\n"
        "1500000000,406a3b,52.18,5.0,205.8,180,0,BAW4,false,9448.8\n"
        "1500000000,broken\n"
    )
    result = invoke("--opensky", str(csv), "--json")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["malformed"] == 1
    assert summary["current_alerts"][0]["pair"] == ["406A3B", "4CA2D6"]


def test_bad_usage(tmp_path: Path) -> None:
    assert invoke().exit_code == 2
    assert invoke("--file", str(tmp_path / "missing.sbs")).exit_code == 2
    assert invoke("--sbs", "nohostport").exit_code == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("not,a,header\n")
    assert invoke("--opensky", str(empty)).exit_code == 2


def test_tcp_feed() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(RECORDING.read_bytes())
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = invoke("--sbs", f"127.0.0.1:{port}", "--duration-s", "1.5", "--json")
    thread.join(timeout=5)
    assert result.exit_code in {0, 1}, result.output
    summary = json.loads(result.stdout)
    assert summary["lines"] == 131
    assert {t["id"] for t in summary["tracks"]} == {"4CA2D6", "406A3B", "3C6444"}
