"""``monitor --intents``: conformance and incursion alerts as JSON-ready records and a table."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from wellclear.tactical import StateVectors
from wellclear.tactical.conformance import (
    Monitored,
    Positions,
    Tolerance,
    incursions,
    nonconforming,
)
from wellclear.tactical.tracks import TrackTable

ZoneKey = tuple[str, str, str]  # (alert, track id, intent id)
_STYLE = {"incursion": "bold magenta", "nonconforming": "yellow"}


def positions_of(table: TrackTable, ids: tuple[str, ...], states: StateVectors) -> Positions:
    """The snapshot's positions with each track's callsign."""
    callsigns = tuple(table.tracks[i].callsign for i in ids)
    return Positions(ids, callsigns, states.lat_deg, states.lon_deg, states.alt_m)


def zone_alerts(
    monitored: Monitored, where: Positions, now_s: float, tolerance: Tolerance
) -> dict[ZoneKey, dict[str, Any]]:
    """Every current nonconforming and incursion alert, keyed by (alert, track, intent)."""
    alerts: dict[ZoneKey, dict[str, Any]] = {}
    off = nonconforming(monitored, where, now_s, tolerance)
    for k, reason in enumerate(off.reasons()):
        record = _record("nonconforming", monitored, where, int(off.track[k]), int(off.intent[k]))
        record.update(
            extent=int(off.extent[k]),
            reason=reason.value,
            outside_m=round(float(off.horizontal_m[k]), 1),
            outside_vertical_m=round(float(off.vertical_m[k]), 1),
            outside_s=round(float(off.time_s[k]), 1),
        )
        alerts["nonconforming", record["track"], record["intent"]] = record
    inside = incursions(monitored, where, now_s)
    for k in range(inside.track.shape[0]):
        record = _record("incursion", monitored, where, int(inside.track[k]), int(inside.intent[k]))
        key: ZoneKey = ("incursion", record["track"], record["intent"])
        if key not in alerts:  # one alert per track and zone: its first extent holding it
            record.update(extent=int(inside.extent[k]), depth_m=round(float(inside.depth_m[k]), 1))
            alerts[key] = record
    return alerts


def _record(
    alert: str, monitored: Monitored, where: Positions, track: int, intent: int
) -> dict[str, Any]:
    owner = monitored.intents[intent]
    return {
        "alert": alert,
        "track": where.ids[track],
        "callsign": where.callsigns[track],
        "intent": owner.id,
        "party": owner.party,
        "kind": owner.kind.value,
    }


def changed(before: dict[str, Any] | None, now: dict[str, Any]) -> str | None:
    """The JSON-lines event for an alert seen again: ``new``, ``reason`` or nothing."""
    if before is None:
        return "new"
    if before.get("reason") != now.get("reason"):
        return "reason"
    return None


def zone_view(alerts: dict[ZoneKey, dict[str, Any]], rows_shown: int) -> Table:
    """The live table of conformance and incursion alerts."""
    table = Table("alert", "track", "callsign", "intent", "party", "why")
    ordered = sorted(alerts.values(), key=lambda a: (a["alert"], a["track"], a["intent"]))
    for alert in ordered[:rows_shown]:
        if alert["alert"] == "incursion":
            why = f"{alert['kind']}, {alert['depth_m']:.0f} m inside"
        elif alert["reason"] == "time":
            why = f"time, {alert['outside_s']:.0f} s outside"
        elif alert["reason"] == "horizontal":
            why = f"horizontal, {alert['outside_m']:.0f} m outside"
        else:
            why = f"vertical, {alert['outside_vertical_m']:.0f} m outside"
        table.add_row(
            Text(alert["alert"], style=_STYLE[alert["alert"]]),
            Text(alert["track"]),
            Text(alert["callsign"] or "-"),
            Text(alert["intent"]),
            Text(alert["party"]),
            why,
        )
    return table
