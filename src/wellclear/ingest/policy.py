"""Separation policy from TOML, and the default policy shipped with Wellclear.

One ``[[pair]]`` table per unordered pair of kinds::

    [[pair]]
    kinds = ["flight", "operation"]
    horizontal_m = 9260      # metres between footprints
    vertical_m = 304.8       # metres between altitude bands, or "ignore"
    time_s = 0               # seconds between time windows
    mode = "reject"          # reject | notify | ignore

Every field is required; unknown keys are refused by name, and so is a pair
listed twice. Pairs not listed are not checked. Problems are reported with
paths like ``pair[2].vertical_m``.

An optional ``[escalation]`` table says how long a notice may stay unacknowledged
before it is escalated to the party's escalation contact and every observer::

    [escalation]
    warning_s = 30           # tactical alerts (and incursions) at level warning
    corrective_s = 60        # tactical alerts (and nonconformance) at level corrective
    preventive_s = 300       # tactical alerts at level preventive
    conflict_s = 900         # strategic conflicts
    message_s = 600          # hotline messages

Each is a number of seconds above 0, or ``"never"``; a key left out keeps its default.
"""

from __future__ import annotations

import importlib.resources
import pathlib
import tomllib
from collections.abc import Mapping

from wellclear.ingest import _fields as f
from wellclear.ingest._fields import Problems, index, key
from wellclear.model import EscalationDeadlines, Kind, Mode, PairRule, Policy

DEFAULT_POLICY_FILE = "default_policy.toml"
_PAIR_FIELDS = frozenset({"kinds", "horizontal_m", "vertical_m", "time_s", "mode"})
IGNORE_VERTICAL = "ignore"
NEVER = "never"
_ESCALATION_FIELDS = frozenset(
    {"warning_s", "corrective_s", "preventive_s", "conflict_s", "message_s"}
)


def default_policy() -> Policy:
    """The policy shipped in ``wellclear/ingest/default_policy.toml``.

    >>> rule = default_policy().rule(Kind.OPERATION, Kind.MOVEMENT)
    >>> rule.horizontal_m, rule.vertical_m, rule.time_s, rule.mode.value
    (2000.0, None, 600.0, 'notify')
    """
    resource = importlib.resources.files("wellclear.ingest").joinpath(DEFAULT_POLICY_FILE)
    return parse_policy(resource.read_text(encoding="utf-8"), DEFAULT_POLICY_FILE)


def load_policy(path: pathlib.Path) -> Policy:
    """The policy in a TOML file; raises :class:`~wellclear.errors.InvalidInput` on any problem."""
    return parse_policy(f.read_text_file(path), str(path))


def parse_policy(text: str, source: str) -> Policy:
    """The policy in TOML text.

    >>> parse_policy('[[pair]]\\nkinds = ["flight", "site"]\\nhorizontal_m = 500\\n'
    ...              'vertical_m = "ignore"\\ntime_s = 0\\nmode = "notify"', "p.toml").rule(
    ...     Kind.SITE, Kind.FLIGHT).horizontal_m
    500.0
    >>> parse_policy('[[pair]]\\nkinds = ["flight", "boat"]\\nmode = "notify"', "p.toml")
    Traceback (most recent call last):
    ...
    wellclear.errors.InvalidInput: p.toml: pair[0].kinds[1]: must be one of ..., not "boat"
    p.toml: pair[0].horizontal_m: is required
    p.toml: pair[0].vertical_m: is required
    p.toml: pair[0].time_s: is required
    """
    problems = Problems(source)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.add("", f"not valid TOML: {error}")
        problems.raise_if_any()
        raise  # unreachable: a problem was just added
    policy = _policy(problems, document)
    problems.raise_if_any()
    return policy


def _policy(problems: Problems, document: Mapping[str, object]) -> Policy:
    f.read_object(problems, document, "", frozenset({"pair", "escalation"}))
    pairs = f.read_list(problems, document.get("pair", []), "pair", empty_ok=True)
    rules: dict[frozenset[Kind], PairRule] = {}
    first_index: dict[frozenset[Kind], int] = {}
    for i, item in enumerate(pairs or ()):
        path = index("pair", i)
        obj = f.read_object(problems, item, path, _PAIR_FIELDS)
        if obj is None:
            continue
        kinds = _kinds(problems, obj, path)
        rule = _rule(problems, obj, path)
        if kinds is None:
            continue
        if kinds in first_index:
            where = index("pair", first_index[kinds])
            problems.add(
                key(path, "kinds"), f"the pair {_pair_name(kinds)} is already set by {where}"
            )
            continue
        first_index[kinds] = i
        if rule is not None:
            rules[kinds] = rule
    return Policy(rules, _escalation(problems, document.get("escalation")))


def _escalation(problems: Problems, raw: object) -> EscalationDeadlines:
    """The ``[escalation]`` table's deadlines over the defaults."""
    defaults = EscalationDeadlines()
    if raw is None:
        return defaults
    obj = f.read_object(problems, raw, "escalation", _ESCALATION_FIELDS)
    if obj is None:
        return defaults
    given: dict[str, float | None] = {}
    for name, value in obj.items():
        if name not in _ESCALATION_FIELDS:
            continue  # reported by read_object
        path = key("escalation", name)
        if value == NEVER:
            given[name] = None
            continue
        if isinstance(value, str):
            problems.add(path, f'must be a number of seconds or "never", not {f.show(value)}')
            continue
        seconds = f.read_number(problems, value, path)
        if seconds is not None and seconds <= 0:
            problems.add(path, f'must be above 0 (or "never"), not {seconds:g}')
        elif seconds is not None:
            given[name] = seconds
    return EscalationDeadlines(**{**_deadline_fields(defaults), **given})


def _deadline_fields(deadlines: EscalationDeadlines) -> dict[str, float | None]:
    return {name: getattr(deadlines, name) for name in sorted(_ESCALATION_FIELDS)}


def _pair_name(kinds: frozenset[Kind]) -> str:
    names = sorted(k.value for k in kinds)
    return "-".join(names if len(names) == 2 else names * 2)


def _kinds(problems: Problems, obj: Mapping[str, object], path: str) -> frozenset[Kind] | None:
    kinds_path = key(path, "kinds")
    raw = f.member(problems, obj, "kinds", path)
    if raw is f.MISSING:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        got = f"{len(raw)} items" if isinstance(raw, list) else f.show(raw)
        problems.add(kinds_path, f"must be a list of two kinds, not {got}")
        return None
    kinds = [f.read_choice(problems, k, index(kinds_path, j), Kind) for j, k in enumerate(raw)]
    return None if None in kinds else frozenset(k for k in kinds if k is not None)


def _rule(problems: Problems, obj: Mapping[str, object], path: str) -> PairRule | None:
    horizontal_m = _distance(problems, obj, "horizontal_m", path)
    vertical_ok, vertical_m = _vertical(problems, obj, path)
    time_s = _distance(problems, obj, "time_s", path)
    mode = f.read_choice(problems, f.member(problems, obj, "mode", path), key(path, "mode"), Mode)
    if horizontal_m is None or not vertical_ok or time_s is None or mode is None:
        return None
    return PairRule(horizontal_m, vertical_m, time_s, mode)


def _distance(problems: Problems, obj: Mapping[str, object], name: str, path: str) -> float | None:
    """A required number, zero or more."""
    raw = f.member(problems, obj, name, path)
    number = f.read_number(problems, raw, key(path, name))
    if number is not None and number < 0:
        problems.add(key(path, name), f"must be 0 or more, not {number:g}")
        return None
    return number


def _vertical(
    problems: Problems, obj: Mapping[str, object], path: str
) -> tuple[bool, float | None]:
    """Whether the vertical separation is usable, and its metres (``None``: altitude ignored)."""
    raw = obj.get("vertical_m")
    if raw == IGNORE_VERTICAL:
        return True, None
    if isinstance(raw, str):
        problems.add(key(path, "vertical_m"), f'must be a number or "ignore", not {f.show(raw)}')
        return False, None
    vertical_m = _distance(problems, obj, "vertical_m", path)
    return vertical_m is not None, vertical_m
