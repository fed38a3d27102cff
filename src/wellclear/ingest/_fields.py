"""Shared parts of the parsers: a problem collector, JSON paths and typed field readers.

Every reader takes the collector, the raw value and its path; it returns the
checked value, or ``None`` after recording why the value was refused. Parsers
therefore keep going after a bad field and report every problem at once.

>>> problems = Problems("a.json")
>>> read_number(problems, True, "intents[0].priority")
>>> read_number(problems, NonFinite("NaN"), "x")
>>> for problem in problems:
...     print(problem)
a.json: intents[0].priority: must be a number, not true/false
a.json: x: must be a finite number, not NaN
"""

from __future__ import annotations

import json
import math
import pathlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Final, TypeVar

from wellclear.errors import InvalidInput, Problem

MAX_PROBLEMS = 100

E = TypeVar("E", bound=StrEnum)


class Problems:
    """Collects problems about one source; raises them all at once.

    Keeps the first ``max_problems`` and counts the rest in one last line.
    """

    def __init__(self, source: str, max_problems: int = MAX_PROBLEMS) -> None:
        self.source = source
        self.max_problems = max_problems
        self._problems: list[Problem] = []
        self._dropped = 0
        self._subject = ""

    def add(self, path: str, reason: str) -> None:
        if len(self._problems) >= self.max_problems:
            self._dropped += 1
            return
        self._problems.append(Problem(self.source, path, self._subject + reason))

    @contextmanager
    def about(self, subject: str) -> Iterator[None]:
        """Start every reason added inside the block with ``subject: ``."""
        outer, self._subject = self._subject, f"{subject}: " if subject else ""
        try:
            yield
        finally:
            self._subject = outer

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._problems)

    def __len__(self) -> int:
        return len(self._problems) + self._dropped

    def raise_if_any(self) -> None:
        if not self._problems:
            return
        more = [Problem(self.source, "", f"{self._dropped} more problems not shown")]
        raise InvalidInput(self._problems + (more if self._dropped else []))


def key(path: str, name: str) -> str:
    """``path.name``, or ``name`` at the top."""
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


@dataclass(frozen=True, slots=True)
class NonFinite:
    """A ``NaN``/``Infinity`` literal in JSON, kept so the path of the field can be reported."""

    literal: str


def read_text_file(path: pathlib.Path) -> str:
    """The file's UTF-8 text; an unreadable file is an :class:`InvalidInput` too."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InvalidInput([Problem(str(path), "", f"cannot read the file: {reason}")]) from error


def read_json(text: str | bytes) -> object:
    """``text`` as JSON, ``NaN`` and ``Infinity`` kept for the parsers to name their field;
    raises ``ValueError`` (``json.JSONDecodeError``, ``UnicodeDecodeError``) if malformed."""
    return json.loads(text, parse_constant=NonFinite)


def parse_json(problems: Problems, text: str) -> object:
    """The document, or ``None`` after recording where the JSON is malformed."""
    try:
        return read_json(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        problems.add("", f"not valid JSON at {where}: {error.msg}")
        return None


_JSON_TYPES = {
    str: "a string",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
}


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, NonFinite):
        return value.literal
    names = {
        str: "a string",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


def show(value: object) -> str:
    """A value as the user wrote it, for messages: ``"FT"``, ``3``, or its type."""
    if isinstance(value, str | int | float | bool) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return json_type(value)


def read_object(
    problems: Problems, value: object, path: str, known: frozenset[str] | None = None
) -> Mapping[str, object] | None:
    """An object; with ``known``, any other member is refused by name."""
    if value is MISSING:
        return None
    if not isinstance(value, dict):
        problems.add(path, f"must be an object, not {json_type(value)}")
        return None
    if known is not None:
        for name in value:
            if name not in known:
                expected = ", ".join(sorted(known))
                problems.add(key(path, str(name)), f"unknown field; expected one of {expected}")
    return value


def read_list(
    problems: Problems,
    value: object,
    path: str,
    *,
    max_items: int | None = None,
    empty_ok: bool = False,
) -> list[object] | None:
    """An array of at most ``max_items`` items, non-empty unless ``empty_ok``."""
    if value is MISSING:
        return None
    if not isinstance(value, list):
        problems.add(path, f"must be an array, not {json_type(value)}")
        return None
    if not value and not empty_ok:
        problems.add(path, "must not be empty")
        return None
    if max_items is not None and len(value) > max_items:
        problems.add(path, f"has {len(value)} items; at most {max_items} are allowed")
        return None
    return value


class _Missing:
    """A required member that was absent (or ``null``), already reported."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def member(problems: Problems, obj: Mapping[str, object], name: str, path: str) -> object:
    """A required member; ``MISSING`` after recording that it is absent or ``null``.

    Every reader returns ``None`` for ``MISSING`` without a second problem.
    """
    value = obj.get(name)
    if value is None:
        problems.add(key(path, name), "is required")
        return MISSING
    return value


def optional(obj: Mapping[str, object], name: str, default: object) -> object:
    """A member that may be absent or ``null``."""
    value = obj.get(name)
    return default if value is None else value


def read_literal(
    problems: Problems, value: object, path: str, allowed: tuple[str, ...], meaning: str = ""
) -> str | None:
    """One of a few exact strings, such as the units ``"M"`` or ``"FT"``."""
    if value is MISSING:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    options = " or ".join(json.dumps(a) for a in allowed)
    problems.add(path, f"must be {options}{meaning}, not {show(value)}")
    return None


def read_number(problems: Problems, value: object, path: str) -> float | None:
    """A finite number; ``true``/``false``, strings, NaN and infinities are refused."""
    if value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | NonFinite):
        problems.add(path, f"must be a number, not {json_type(value)}")
        return None
    if isinstance(value, NonFinite):
        problems.add(path, f"must be a finite number, not {value.literal}")
        return None
    if not math.isfinite(value):
        literal = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        problems.add(path, f"must be a finite number, not {literal}")
        return None
    return float(value)


def read_int(problems: Problems, value: object, path: str) -> int | None:
    """A whole number (``3`` or ``3.0``)."""
    number = read_number(problems, value, path)
    if number is None:
        return None
    if not number.is_integer():
        problems.add(path, f"must be a whole number, not {number}")
        return None
    return int(number)


def read_text(problems: Problems, value: object, path: str) -> str | None:
    """A non-blank string."""
    if value is MISSING:
        return None
    if not isinstance(value, str):
        problems.add(path, f"must be a string, not {json_type(value)}")
        return None
    if not value.strip():
        problems.add(path, "must not be empty")
        return None
    return value


def read_choice(problems: Problems, value: object, path: str, choices: type[E]) -> E | None:
    """One of an enumeration's values."""
    text = read_text(problems, value, path)
    if text is None:
        return None
    try:
        return choices(text)
    except ValueError:
        names = ", ".join(c.value for c in choices)
        problems.add(path, f"must be one of {names}, not {show(text)}")
        return None


def read_latitude(problems: Problems, value: object, path: str) -> float | None:
    lat = read_number(problems, value, path)
    if lat is not None and not -90 <= lat <= 90:
        problems.add(path, f"latitude {lat} is outside [-90, 90]")
        return None
    return lat


def read_longitude(problems: Problems, value: object, path: str) -> float | None:
    lng = read_number(problems, value, path)
    if lng is not None and not -180 <= lng <= 180:
        problems.add(path, f"longitude {lng} is outside [-180, 180]")
        return None
    return lng


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?"
)


def read_time(problems: Problems, value: object, path: str) -> datetime | None:
    """An RFC 3339 time with a zone, as UTC.

    >>> read_time(Problems("x"), "2026-05-01T10:00:00.5+02:00", "t")
    datetime.datetime(2026, 5, 1, 8, 0, 0, 500000, tzinfo=datetime.timezone.utc)
    """
    text = read_text(problems, value, path)
    if text is None:
        return None
    match = _RFC3339.fullmatch(text)
    if match is None:
        problems.add(path, f"{show(text)} is not an RFC 3339 time like 2026-05-01T10:00:00Z")
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, zone_h, zone_m = match.groups()
    if zulu is None and sign is None:
        problems.add(path, f"{show(text)} has no time zone; add Z (UTC) or an offset like +02:00")
        return None
    try:
        offset = timedelta(hours=int(zone_h or 0), minutes=int(zone_m or 0))
        zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone
        )
    except ValueError as error:
        problems.add(path, f"{show(text)} is not a valid time: {error}")
        return None
    return moment.astimezone(UTC)
