"""Policy TOML: the shipped default, then one table row per way to get it wrong."""

# ruff: noqa: E501  (table rows stay one per line, so each case reads as one row)

from __future__ import annotations

import pathlib

import pytest
from ingest_samples import problems_of

from wellclear.errors import InvalidInput
from wellclear.ingest import default_policy, load_policy, parse_policy
from wellclear.model import Kind, Mode, PairRule

FLIGHT, OPERATION, MOVEMENT, SITE, RESTRICTION = (
    Kind.FLIGHT,
    Kind.OPERATION,
    Kind.MOVEMENT,
    Kind.SITE,
    Kind.RESTRICTION,
)

GOOD_PAIR = """
[[pair]]
kinds = ["flight", "site"]
horizontal_m = 500
vertical_m = 100.5
time_s = 60
mode = "notify"
"""


def pair(**fields: str) -> str:
    """A [[pair]] table: the good one with some lines replaced (value "..." drops the line)."""
    lines = []
    for line in GOOD_PAIR.strip().splitlines():
        name = line.split(" = ")[0]
        if name in fields:
            if fields[name] != "...":
                lines.append(f"{name} = {fields.pop(name)}")
            else:
                fields.pop(name)
        else:
            lines.append(line)
    lines += [f"{name} = {value}" for name, value in fields.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("a", "b", "rule"),
    [
        (FLIGHT, FLIGHT, PairRule(9260.0, 304.8, 0.0, Mode.REJECT)),
        (OPERATION, FLIGHT, PairRule(9260.0, 304.8, 0.0, Mode.REJECT)),
        (FLIGHT, RESTRICTION, PairRule(0.0, 0.0, 0.0, Mode.REJECT)),
        (OPERATION, OPERATION, PairRule(5000.0, 304.8, 0.0, Mode.NOTIFY)),
        (MOVEMENT, OPERATION, PairRule(2000.0, None, 600.0, Mode.NOTIFY)),
        (OPERATION, SITE, PairRule(1000.0, None, 0.0, Mode.NOTIFY)),
        (RESTRICTION, OPERATION, PairRule(0.0, 0.0, 0.0, Mode.REJECT)),
    ],
)
def test_default_policy(a: Kind, b: Kind, rule: PairRule) -> None:
    assert default_policy().rule(a, b) == rule


def test_default_policy_checks_nothing_else() -> None:
    policy = default_policy()
    assert len(policy.rules) == 7
    assert not policy.rule(FLIGHT, SITE).checked
    assert not policy.rule(MOVEMENT, MOVEMENT).checked


def test_a_pair_is_read_in_either_order() -> None:
    policy = parse_policy(pair(kinds='["site", "flight"]'), "p.toml")
    assert policy.rules == {frozenset({FLIGHT, SITE}): PairRule(500.0, 100.5, 60.0, Mode.NOTIFY)}


def test_vertical_ignore_and_empty_policy() -> None:
    rule = parse_policy(pair(vertical_m='"ignore"'), "p.toml").rule(SITE, FLIGHT)
    assert rule.vertical_m is None
    assert parse_policy("", "p.toml").rules == {}


REFUSED = [
    ("malformed TOML", "[[pair]\n", "", "not valid TOML: "),
    ("unknown kind", pair(kinds='["flight", "boat"]'), "pair[0].kinds[1]", 'must be one of flight, operation, movement, site, restriction, not "boat"'),
    ("three kinds", pair(kinds='["flight", "site", "site"]'), "pair[0].kinds", "must be a list of two kinds, not 3 items"),
    ("kinds a string", pair(kinds='"flight"'), "pair[0].kinds", 'must be a list of two kinds, not "flight"'),
    ("missing kinds", pair(kinds="..."), "pair[0].kinds", "is required"),
    ("negative horizontal", pair(horizontal_m="-1"), "pair[0].horizontal_m", "must be 0 or more, not -1"),
    ("NaN horizontal", pair(horizontal_m="nan"), "pair[0].horizontal_m", "must be a finite number, not NaN"),
    ("infinite time", pair(time_s="inf"), "pair[0].time_s", "must be a finite number, not Infinity"),
    ("string horizontal", pair(horizontal_m='"5 NM"'), "pair[0].horizontal_m", "must be a number, not a string"),
    ("boolean time", pair(time_s="true"), "pair[0].time_s", "must be a number, not true/false"),
    ("vertical word", pair(vertical_m='"none"'), "pair[0].vertical_m", 'must be a number or "ignore", not "none"'),
    ("negative vertical", pair(vertical_m="-304.8"), "pair[0].vertical_m", "must be 0 or more, not -304.8"),
    ("missing time", pair(time_s="..."), "pair[0].time_s", "is required"),
    ("unknown mode", pair(mode='"warn"'), "pair[0].mode", 'must be one of reject, notify, ignore, not "warn"'),
    ("unknown pair key", pair(horizontal_nm="5"), "pair[0].horizontal_nm", "unknown field; expected one of horizontal_m, kinds, mode, time_s, vertical_m"),
    ("unknown top key", "version = 2\n" + pair(), "version", "unknown field; expected one of escalation, pair"),
    ("pair a table", "[pair]\nkinds = []\n", "pair", "must be an array, not an object"),
    ("pair twice", pair() + pair(kinds='["site", "flight"]'), "pair[1].kinds", "the pair flight-site is already set by pair[0]"),
    ("same-kind pair twice", pair(kinds='["site", "site"]') * 2, "pair[1].kinds", "the pair site-site is already set by pair[0]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "path", "reason"), [pytest.param(*row[1:], id=row[0]) for row in REFUSED]
)
def test_refused(text: str, path: str, reason: str) -> None:
    problems = problems_of(lambda: parse_policy(text, "policy.toml"))
    assert [(p.source, p.path) for p in problems] == [("policy.toml", path)], problems
    assert problems[0].reason.startswith(reason), problems[0].reason


def test_malformed_toml_names_line_and_column() -> None:
    text = "[[pair]]\nkinds = 3 4\n"
    (problem,) = problems_of(lambda: parse_policy(text, "policy.toml"))
    assert problem.reason == (
        "not valid TOML: Expected newline or end of document after a statement"
        " (at line 2, column 11)"
    )


def test_every_problem_is_reported() -> None:
    text = pair(mode='"warn"', time_s="-1") + pair(kinds='["boat", "site"]')
    problems = problems_of(lambda: parse_policy(text, "policy.toml"))
    assert [p.path for p in problems] == ["pair[0].time_s", "pair[0].mode", "pair[1].kinds[0]"]


def test_load_policy_from_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(pair())
    assert load_policy(path).rule(FLIGHT, SITE).horizontal_m == 500.0
    with pytest.raises(InvalidInput, match="cannot read the file"):
        load_policy(tmp_path / "absent.toml")
