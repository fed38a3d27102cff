"""What callers are shown, and the disclosure rule (DESIGN.md §4).

A party reads its own intents in full. About another party it learns only that party's
name, the conflict region and the kinds involved — never the other intent's id or shape.
Observers and admins read everything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from wellclear.ingest.export import merged_regions, rfc3339
from wellclear.model import Conflict, Intent
from wellclear.service.callers import Caller
from wellclear.store.models import ConflictRow, IntentRow

JsonObject = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IntentView:
    id: str
    party: str
    kind: str
    state: str
    priority: int
    version: str
    extents: tuple[JsonObject, ...]
    created_at: str
    updated_at: str
    tracks: tuple[str, ...] = ()

    def as_json(self) -> JsonObject:
        return {
            "id": self.id,
            "party": self.party,
            "kind": self.kind,
            "state": self.state,
            "priority": self.priority,
            "version": self.version,
            "extents": list(self.extents),
            "tracks": list(self.tracks),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_json(cls, document: JsonObject) -> IntentView:
        # an answer kept (idempotency) before intents showed their tracks has no "tracks"
        tracks = tuple(document.get("tracks", ()))
        return cls(**{**document, "extents": tuple(document["extents"]), "tracks": tracks})


@dataclass(frozen=True, slots=True)
class ConflictView:
    """One conflict as one caller may see it.

    ``parties``, ``kinds`` and ``intents`` are in the same order: for an operator its own
    side first, the other intent's id ``None``; for observers the stored order, both ids.
    ``id`` is ``None`` for a conflict that refused a filing (nothing was stored).
    """

    id: str | None
    mode: str
    status: str
    parties: tuple[str, str]
    kinds: tuple[str, str]
    intents: tuple[str | None, str | None]
    counterparty: str | None
    must_act: tuple[str, ...]
    region: JsonObject
    created_at: str | None

    def as_json(self) -> JsonObject:
        return {
            "id": self.id,
            "mode": self.mode,
            "status": self.status,
            "parties": list(self.parties),
            "kinds": list(self.kinds),
            "intents": list(self.intents),
            "counterparty": self.counterparty,
            "must_act": list(self.must_act),
            "region": self.region,
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, document: JsonObject) -> ConflictView:
        pairs = {k: tuple(document[k]) for k in ("parties", "kinds", "intents", "must_act")}
        return cls(**{**document, **pairs})


@dataclass(frozen=True, slots=True)
class Filing:
    """An accepted filing: the intent, its new version and its conflicts as the filer sees them."""

    created: bool
    intent: IntentView
    conflicts: tuple[ConflictView, ...]

    def as_json(self) -> JsonObject:
        return {
            "intent": self.intent.as_json(),
            "conflicts": [c.as_json() for c in self.conflicts],
        }

    @classmethod
    def from_json(cls, document: JsonObject, *, created: bool) -> Filing:
        return cls(
            created=created,
            intent=IntentView.from_json(document["intent"]),
            conflicts=tuple(ConflictView.from_json(c) for c in document["conflicts"]),
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


def utc_text(moment: datetime) -> str:
    """UTC RFC 3339 with a ``Z``, as every answer writes times."""
    return rfc3339(moment) or ""


def intent_view(row: IntentRow, party_name: str, tracks: Sequence[str] = ()) -> IntentView:
    """``tracks``: the names of the tracks tied to it, as stored (upper case, sorted)."""
    return IntentView(
        id=row.id,
        party=party_name,
        kind=row.kind,
        state=row.state,
        priority=row.priority,
        version=row.version,
        extents=tuple(json.loads(row.extents_json)),
        created_at=utc_text(row.created_at),
        updated_at=utc_text(row.updated_at),
        tracks=tuple(tracks),
    )


def conflict_view(
    row: ConflictRow,
    viewer: Caller,
    party_names: Mapping[int, str],
    intent_ids: Mapping[str, str],
) -> ConflictView:
    """``row`` as ``viewer`` may see it; ``intent_ids`` maps uids to their parties' ids."""
    names = (party_names[row.party_a], party_names[row.party_b])
    kinds = (row.kind_a, row.kind_b)
    ids = (intent_ids.get(row.intent_a), intent_ids.get(row.intent_b))
    must_act = names if row.must_act == "both" else (names[0 if row.must_act == "a" else 1],)
    swap = not viewer.reads_everything and row.party_b == viewer.party_id
    if swap:
        names, kinds, ids = names[::-1], kinds[::-1], ids[::-1]
    own_view = not viewer.reads_everything
    return ConflictView(
        id=row.id,
        mode=row.mode,
        status=row.status,
        parties=names,
        kinds=kinds,
        intents=(ids[0], None) if own_view else ids,
        counterparty=names[1] if own_view else None,
        must_act=must_act,
        region=json.loads(row.region_json),
        created_at=utc_text(row.created_at),
    )


def refusal_views(
    conflicts: Sequence[Conflict], filing: Intent, client_id: str, names: Mapping[str, str]
) -> tuple[ConflictView, ...]:
    """The conflicts that refused ``filing``, as its filer may see them; ``names`` maps engine
    party keys to party names."""
    return tuple(
        _refusal_view(conflict, filing, client_id, names, region)
        for conflict, region in zip(conflicts, merged_regions(conflicts), strict=True)
    )


def _refusal_view(
    conflict: Conflict, filing: Intent, client_id: str, names: Mapping[str, str],
    region: JsonObject,
) -> ConflictView:  # fmt: skip
    own_first = conflict.intents[0] == filing.id
    parties = conflict.parties if own_first else conflict.parties[::-1]
    kinds = conflict.kinds if own_first else conflict.kinds[::-1]
    own, other = names[parties[0]], names[parties[1]]
    return ConflictView(
        id=None,
        mode=str(conflict.rule.mode),
        status="refused",
        parties=(own, other),
        kinds=(str(kinds[0]), str(kinds[1])),
        intents=(client_id, None),
        counterparty=other,
        must_act=(own,),
        region=region,
        created_at=None,
    )
