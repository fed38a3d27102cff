"""Alerts as the monitor writes them: what a cycle found for each alert key (an
:class:`Encounter`), and turning a cycle's encounters into alert rows and notices in one
transaction (:func:`write_alerts`): open the new, revise those whose level rose at once or
fell and held (:class:`Easing`), close those no longer found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from wellclear.service import notices
from wellclear.service.tracks import alert_parties, alert_view
from wellclear.store import parties as party_store
from wellclear.store import tracks as track_store
from wellclear.store.intents import find_intent_by_uid
from wellclear.store.tracks import AlertRow

LEVEL_RANK: dict[str | None, int] = {None: -1, "preventive": 0, "corrective": 1, "warning": 2}
NOTICE_KIND = {"conflict": "alert", "nonconforming": "nonconforming", "incursion": "incursion"}


@dataclass(frozen=True, slots=True)
class Encounter:
    """What one cycle found for one alert key."""

    kind: str
    key: str
    level: str | None
    party_a: int
    track_a: str
    callsign_a: str
    position_a: tuple[float, float, float]
    party_b: int | None = None
    track_b: str | None = None
    callsign_b: str | None = None
    position_b: tuple[float, float, float] | None = None
    intent_uid: str | None = None
    intent_id: str | None = None
    intent_kind: str | None = None
    tcpa_s: float | None = None
    dcpa_m: float | None = None
    tlos_s: float | None = None
    los: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Found(NamedTuple):
    """An encounter found by a cycle; ``make`` builds its full record when it is needed
    (a new alert or a level rise), so steady cycles stay cheap."""

    kind: str
    level: str | None
    make: Callable[[], Encounter]


@dataclass
class Easing:
    """Since when each open alert's encounter has been at a lower level than the alert's:
    a fall is reported once it has held for ``hold`` (the leader's memory; a new leader
    starts counting again, so a fall is only ever reported late, never early)."""

    hold: timedelta
    lower_since: dict[str, datetime] = field(default_factory=dict)

    def settled(self, falling: set[str], now: datetime) -> set[str]:
        """The keys of ``falling`` lower for ``hold`` by now, forgotten once returned (the
        next step down holds anew); forgets keys no longer lower."""
        for key in self.lower_since.keys() - falling:
            del self.lower_since[key]
        for key in falling:
            self.lower_since.setdefault(key, now)
        settled = {key for key in falling if now - self.lower_since[key] >= self.hold}
        for key in settled:
            del self.lower_since[key]
        return settled


def write_alerts(
    session: Session, found: dict[str, Found], now: datetime, easing: Easing | None = None
) -> tuple[int, int, int]:
    """Open, revise and close alerts and their notices; (opened, revised, closed). Without
    ``easing``, a lower level is reported at once."""
    current = {key: (alert_id, level) for alert_id, key, level in track_store.open_keys(session)}
    new = [found[key].make() for key in found.keys() - current.keys()]
    rank = {key: (LEVEL_RANK[found[key].level], LEVEL_RANK[current[key][1]])
            for key in found.keys() & current.keys()}  # fmt: skip
    falling = {key for key, (found_rank, alert_rank) in rank.items() if found_rank < alert_rank}
    eased = easing.settled(falling, now) if easing is not None else falling
    moved = {
        current[key][0]: found[key].make()
        for key, (found_rank, alert_rank) in rank.items()
        if found_rank > alert_rank or key in eased
    }
    ending = [alert_id for key, (alert_id, _) in current.items() if key not in found]
    changed = track_store.alerts_by_id(session, [*moved, *ending])
    added = [_new_alert(session, encounter, now) for encounter in sorted(new, key=_order)]
    session.add_all(added)
    session.flush()
    names = party_store.party_names(
        session, {p for row in [*added, *changed] for p in alert_parties(row)}
    )
    drafts: list[notices.NoticeDraft] = []
    for row in added:
        payload = alert_view(row, None, names)
        drafts.extend(
            notices.NoticeDraft(party, NOTICE_KIND[row.kind], f"alert:{row.id}", payload, row.level)
            for party in alert_parties(row)
        )
    notices.emit_all(session, drafts, now)
    for row in changed:
        encounter = moved.get(row.id)
        if encounter is not None:
            _fill(row, encounter)
            row.level = encounter.level
        else:
            row.closed_at = now
        row.updated_at = now
    session.flush()
    revisions = [
        notices.Revision(
            f"alert:{row.id}",
            payload=alert_view(row, None, names),
            level=row.level if row.id in moved else None,
            closed=row.closed_at is not None,
        )
        for row in changed
    ]
    notices.revise_all(session, revisions, now)
    return len(added), len(moved), len(ending)


def _order(encounter: Encounter) -> str:
    return encounter.key


def _new_alert(session: Session, encounter: Encounter, now: datetime) -> AlertRow:
    row = AlertRow(
        kind=encounter.kind,
        key=encounter.key,
        level=encounter.level,
        party_a=encounter.party_a,
        track_a=encounter.track_a,
        callsign_a=encounter.callsign_a,
        party_b=encounter.party_b,
        track_b=encounter.track_b,
        callsign_b=encounter.callsign_b,
        intent_uid=encounter.intent_uid,
        intent_kind=encounter.intent_kind,
        opened_at=now,
        updated_at=now,
    )
    if encounter.intent_uid is not None:
        intent = find_intent_by_uid(session, encounter.intent_uid)
        row.intent_id = None if intent is None else intent.id
    _fill(row, encounter)
    return row


def _fill(row: AlertRow, encounter: Encounter) -> None:
    """Positions and figures of the encounter now (at the alert, or at its level rise)."""
    row.lat_a, row.lon_a, row.alt_a_m = encounter.position_a
    if encounter.position_b is not None:
        row.lat_b, row.lon_b, row.alt_b_m = encounter.position_b
    row.tcpa_s, row.dcpa_m = encounter.tcpa_s, encounter.dcpa_m
    row.tlos_s, row.los = encounter.tlos_s, encounter.los
    row.detail_json = json.dumps(encounter.detail, sort_keys=True)
