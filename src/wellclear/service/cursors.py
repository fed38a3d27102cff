"""Page cursors: opaque to clients, a JSON list of the last item's sort key, base64url.

>>> decode_cursor(encode_cursor(["blue-air", "i-1"]), parts=2)
('blue-air', 'i-1')
>>> decode_id(encode_id(42))
42
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence

from wellclear.errors import InvalidInput, Problem

_CURSOR_PART = re.compile(r"[A-Za-z0-9._:-]{1,200}")  # ids, uids and conflict ids


def encode_cursor(parts: Sequence[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, parts: int) -> tuple[str, ...] | None:
    """The ``parts`` strings of a cursor this service gave out; ``None`` for no cursor."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(decoded, list) and len(decoded) == parts and _strings(decoded):
            return tuple(decoded)
    except ValueError:
        pass
    raise InvalidInput([Problem("", "cursor", "is not a cursor this service gave out")])


def encode_id(row_id: int) -> str:
    """The cursor after a row with an integer id."""
    return encode_cursor([str(row_id)])


def decode_id(cursor: str | None) -> int | None:
    parts = decode_cursor(cursor, parts=1)
    if parts is None:
        return None
    if not parts[0].isdigit():
        raise InvalidInput([Problem("", "cursor", "is not a cursor this service gave out")])
    return int(parts[0])


def _strings(items: list[object]) -> bool:
    """Only what this service puts in a cursor (a NUL would reach PostgreSQL as a 500)."""
    return all(isinstance(item, str) and _CURSOR_PART.fullmatch(item) for item in items)
