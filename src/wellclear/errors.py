"""The one exception tree of Wellclear.

::

    WellclearError
     ├── InvalidInput        user input refused; .problems names each file, path and reason
     └── UnknownIntent       an intent id that is not in the index (also a KeyError)

Every exception carries its evidence as attributes, so the CLI and the API can
render it without parsing messages.
"""

from __future__ import annotations

from dataclasses import dataclass


class WellclearError(Exception):
    """Root of every error Wellclear raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one field of user input.

    >>> str(Problem("intents.json", "intents[3].extents[0].volume", "edges 2 and 5 cross"))
    'intents.json: intents[3].extents[0].volume: edges 2 and 5 cross'
    """

    source: str
    path: str
    reason: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.path) if part)
        return f"{where}: {self.reason}" if where else self.reason


class InvalidInput(WellclearError):
    """Input was refused; nothing of it was loaded.

    >>> error = InvalidInput([Problem("p.toml", "pair[0].mode", "not one of reject, notify")])
    >>> error.problems[0].path
    'pair[0].mode'
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownIntent(WellclearError, KeyError):
    """An intent id that the index does not hold."""

    def __init__(self, intent_id: str) -> None:
        self.intent_id = intent_id
        super().__init__(f"unknown intent {intent_id!r}")

    def __str__(self) -> str:
        return f"unknown intent {self.intent_id!r}"
