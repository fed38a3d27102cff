"""The party-to-party hotline: messages, each with a notice to its recipient.

A message is stored with a ``message`` notice for the recipient in one transaction; the
recipient's acknowledgement of that notice is the read receipt the sender sees
(``read_at``). A message may be ``regarding`` a conflict or alert only if both parties are
in it (observers and admins: any). Escalation applies as to any notice (``message_s``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from wellclear.errors import InvalidInput, Problem
from wellclear.service import notices
from wellclear.service.callers import Caller
from wellclear.service.core import Service
from wellclear.service.cursors import decode_id, encode_id
from wellclear.service.errors import UnknownParty
from wellclear.service.views import Page, utc_text
from wellclear.store import hotline as hotline_store
from wellclear.store import parties as party_store
from wellclear.store.notices import HotlineMessageRow

MAX_BODY_CHARS = 4000
MAX_PAGE = 500
REGARDING = re.compile(r"(conflict|alert):([A-Za-z0-9._-]{1,64})")


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    sender: str
    recipient: str
    body: str
    regarding: str | None
    created_at: str
    read_at: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.sender,
            "to": self.recipient,
            "body": self.body,
            "regarding": self.regarding,
            "created_at": self.created_at,
            "read_at": self.read_at,
        }


def send_message(
    service: Service, caller: Caller, to: str, body: str, regarding: str | None = None
) -> MessageView:
    """Send ``body`` to party ``to``; the recipient gets a notice in the same transaction."""
    _check_body(body)
    reference = _parse_regarding(regarding)
    now = service.clock()

    def work(session: Session) -> MessageView:
        recipient = party_store.find_party(session, to)
        if recipient is None or recipient.disabled:
            raise UnknownParty(to)
        if recipient.id == caller.party_id:
            raise InvalidInput([Problem("", "to", "must be another party, not yourself")])
        if reference is not None:
            _check_reference(session, caller, recipient.id, regarding or "", reference)
        row = hotline_store.add_message(
            session,
            HotlineMessageRow(
                from_party_id=caller.party_id,
                to_party_id=recipient.id,
                body=body,
                regarding=regarding,
                created_at=now,
            ),
        )
        sent_at = utc_text(now)
        view = MessageView(row.id, caller.name, recipient.name, body, regarding, sent_at, None)
        notices.emit(session, party_ids=[recipient.id], kind="message", subject=f"message:{row.id}",
                     payload=view.as_json(), now=now)  # fmt: skip
        return view

    return service.database.write(work)


def _check_body(body: str) -> None:
    if not body.strip():
        raise InvalidInput([Problem("", "body", "must not be empty")])
    if len(body) > MAX_BODY_CHARS or "\x00" in body or not _encodable(body):
        raise InvalidInput(
            [
                Problem(
                    "",
                    "body",
                    f"must be at most {MAX_BODY_CHARS} characters of valid text, without NUL",
                )
            ]
        )


def _encodable(text: str) -> bool:
    """Whether ``text`` is valid Unicode (a lone surrogate from a JSON escape is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_regarding(regarding: str | None) -> tuple[str, str] | None:
    if regarding is None:
        return None
    match = REGARDING.fullmatch(regarding)
    if match is None:
        raise InvalidInput([Problem("", "regarding", 'must be "conflict:<id>" or "alert:<id>"')])
    return match.group(1), match.group(2)


def _check_reference(
    session: Session, caller: Caller, recipient_id: int, regarding: str, reference: tuple[str, str]
) -> None:
    """Both parties must be in the conflict or alert (observers and admins: the recipient)."""
    parties = hotline_store.parties_of_subject(session, *reference)
    senders_ok = parties is not None and (caller.reads_everything or caller.party_id in parties)
    if not senders_ok:  # the same answer whether it exists or not: nothing is disclosed
        raise InvalidInput(
            [Problem("", "regarding", f"{regarding} is not a {reference[0]} of yours")]
        )
    if parties is not None and recipient_id not in parties:
        raise InvalidInput(
            [Problem("", "regarding", f"{regarding} does not involve the recipient")]
        )


def list_messages(
    service: Service,
    caller: Caller,
    *,
    with_party: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[MessageView]:
    """Messages to or from the caller (with ``with_party``: that thread only), oldest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput([Problem("", "limit", f"must be 1 to {MAX_PAGE}, not {limit}")])
    after = decode_id(cursor)
    with service.database.reading() as session:
        other_id = None
        if with_party is not None:
            other = party_store.find_party(session, with_party)
            if other is None:
                raise UnknownParty(with_party)
            other_id = other.id
        rows = hotline_store.list_messages(session, caller.party_id, other_id, after, limit + 1)
        page = rows[:limit]
        names = party_store.party_names(
            session, {r.from_party_id for r in page} | {r.to_party_id for r in page}
        )
        read = hotline_store.read_receipts(session, page)
    items = tuple(
        MessageView(
            r.id,
            names.get(r.from_party_id, ""),
            names.get(r.to_party_id, ""),
            r.body,
            r.regarding,
            utc_text(r.created_at),
            utc_text(read[r.id]) if r.id in read else None,
        )
        for r in page
    )
    return Page(items, encode_id(page[-1].id) if len(rows) > limit else None)
