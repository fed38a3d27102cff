"""Party management and authentication: add, list, rotate keys, disable; who is calling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem
from wellclear.service.callers import Caller, Role
from wellclear.service.errors import Forbidden, NotAuthenticated, PartyExists, UnknownParty
from wellclear.service.keys import issue_key, matches, split_key
from wellclear.store import Database
from wellclear.store import parties as store
from wellclear.store.models import PartyRow, utc_now

PARTY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
DEFAULT_GRACE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PartyView:
    name: str
    role: str
    disabled: bool
    created_at: datetime
    live_keys: int


@dataclass(frozen=True, slots=True)
class NewKey:
    """A party's new API key, to show once; older keys expire at ``old_keys_expire_at``."""

    party: str
    key: str
    old_keys_expire_at: datetime | None


def add_party(database: Database, name: str, role: Role) -> NewKey:
    """Create a party with one API key."""
    _check_name(name)
    key = issue_key()

    def work(session: Session) -> None:
        if store.find_party(session, name) is not None:
            raise PartyExists(name)
        party = store.add_party(session, name, str(role))
        store.add_key(session, party.id, key.key_id, key.salt, key.key_hash)

    try:
        database.write(work)
    except IntegrityError:
        raise PartyExists(name) from None
    return NewKey(name, key.text, None)


def _check_name(name: str) -> None:
    if not PARTY_NAME.fullmatch(name):
        reason = "must be 1-100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
        raise InvalidInput([Problem("", "name", reason)])


def list_parties(database: Database) -> tuple[PartyView, ...]:
    now = utc_now()
    with database.reading() as session:
        return tuple(
            PartyView(
                p.name, p.role, p.disabled, p.created_at, store.live_key_count(session, p.id, now)
            )
            for p in store.all_parties(session)
        )


def rotate_key(database: Database, name: str, grace: timedelta = DEFAULT_GRACE) -> NewKey:
    """A new key for the party; its older keys keep working for ``grace``, then expire."""
    key = issue_key()
    expire_at = utc_now() + grace

    def work(session: Session) -> None:
        party = _party(session, name)
        store.expire_keys(session, party.id, expire_at)
        store.add_key(session, party.id, key.key_id, key.salt, key.key_hash)

    database.write(work)
    return NewKey(name, key.text, expire_at)


def set_disabled(database: Database, name: str, *, disabled: bool = True) -> None:
    """Disable a party (its keys stop working at once) or enable it again."""

    def work(session: Session) -> None:
        _party(session, name).disabled = disabled

    database.write(work)


def _party(session: Session, name: str) -> PartyRow:
    party = store.find_party(session, name)
    if party is None:
        raise UnknownParty(name)
    return party


def authenticate(database: Database, key_text: str) -> Caller:
    """The caller holding ``key_text``; refuses unknown, expired and disabled parties' keys."""
    parts = split_key(key_text)
    if parts is None:
        raise NotAuthenticated("not a Wellclear API key")
    key_id, secret = parts
    with database.querying() as connection:
        found = store.find_key(connection, key_id)
    if found is None or not matches(secret, found.salt, found.key_hash):
        raise NotAuthenticated("unknown API key")
    if found.expires_at is not None and found.expires_at <= utc_now():
        raise NotAuthenticated("this API key has expired; use the party's newer key")
    if found.disabled:
        raise Forbidden(f"party {found.party_name!r} is disabled")
    return Caller(found.party_id, found.party_name, Role(found.role))
