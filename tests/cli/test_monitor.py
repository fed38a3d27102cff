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


def _circle(lat: float, lng: float, radius_m: float) -> dict[str, object]:
    return {"center": {"lat": lat, "lng": lng}, "radius": {"value": radius_m, "units": "M"}}


def _extent(outline: dict[str, object], top_m: float, end: str | None) -> dict[str, object]:
    extent: dict[str, object] = {
        "volume": {
            **outline,
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": top_m, "reference": "W84", "units": "M"},
        },
        "time_start": {"value": "2024-07-06T06:00:00Z", "format": "RFC3339"},
    }
    if end is not None:
        extent["time_end"] = {"value": end, "format": "RFC3339"}
    return extent


def _ops(path: Path) -> Path:
    """KLM12 flies out of its blue box; BAW4 is inside a red restriction; blue's own site
    around KLM12's start is no incursion for KLM12."""
    box = {"outline_polygon": {"vertices": [
        {"lat": 51.99, "lng": 4.99}, {"lat": 51.99, "lng": 5.01},
        {"lat": 52.02, "lng": 5.01}, {"lat": 52.02, "lng": 4.99},
    ]}}  # fmt: skip
    doc = {
        "intents": [
            {"id": "blue-klm", "party": "blue", "kind": "flight", "tracks": ["klm12"],
             "extents": [_extent(box, 10_000, "2024-07-06T07:00:00Z")]},
            {"id": "red-r", "party": "red", "kind": "restriction",
             "extents": [_extent({"outline_circle": _circle(52.16, 5.0, 5_000)}, 12_000, None)]},
            {"id": "blue-s", "party": "blue", "kind": "site",
             "extents": [_extent({"outline_circle": _circle(52.0, 5.0, 3_000)}, 12_000, None)]},
        ]
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    return path


def test_intents_raise_nonconforming_and_incursion(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    ops = _ops(tmp_path / "ops.json")
    args = ("--file", str(RECORDING), "--intents", str(ops), "--interval-s", "2")
    result = invoke(*args, "--jsonl", str(alerts), "--json")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    now = {(a["alert"], a["track"], a["intent"]) for a in summary["current_zone_alerts"]}
    assert now == {("nonconforming", "4CA2D6", "blue-klm"), ("incursion", "406A3B", "red-r")}
    off = next(a for a in summary["current_zone_alerts"] if a["alert"] == "nonconforming")
    assert (off["reason"], off["callsign"], off["party"]) == ("horizontal", "KLM12", "blue")
    assert 1_000 < off["outside_m"] < 2_500
    events = [json.loads(line) for line in alerts.read_text().splitlines()]
    firsts = {(e["alert"], e["event"]) for e in events}
    assert {("conflict", "new"), ("incursion", "new"), ("nonconforming", "new")} <= firsts
    entered = next(e for e in events if e["alert"] == "nonconforming")
    assert entered["time"] > "2024-07-06T06:40:08"  # KLM12 leaves its box ~8 s in


def test_intents_in_the_live_table(tmp_path: Path) -> None:
    ops = _ops(tmp_path / "ops.json")
    result = invoke("--file", str(RECORDING), "--intents", str(ops))
    assert result.exit_code == 1, result.output
    assert "incursion" in result.stdout
    assert "nonconforming" in result.stdout
    assert "1 nonconforming and 1 incursions now" in result.stdout


def test_bad_intents_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"intents": [{"id": "x", "tracks": "KLM12"}]}')
    result = invoke("--file", str(RECORDING), "--intents", str(bad))
    assert result.exit_code == 2
    assert "intents[0].tracks" in result.output
