"""The policy's decision on a filing's conflicts (DESIGN.md §4), as a pure function.

- ``reject``: refused when the other intent's priority is equal or higher; otherwise
  accepted and the other intent's owner must replan.
- ``notify``: accepted; both owners are told.

Every live intent protects its space, whatever its state (accepted, activated,
nonconforming, contingent), so lifecycle changes can never make two live intents of a
``reject`` pair conflict without priority allowing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wellclear.model import Conflict, Intent, Mode

BOTH = "both"


@dataclass(frozen=True, slots=True)
class Decision:
    """``refusing`` conflicts stop the filing; ``recorded`` ones are kept with who must act:
    ``"a"`` or ``"b"`` (the conflict's first or second intent) or ``"both"``."""

    refusing: tuple[Conflict, ...]
    recorded: tuple[tuple[Conflict, str], ...]

    @property
    def accepted(self) -> bool:
        return not self.refusing


def decide(filing: Intent, conflicts: Sequence[Conflict], others: Mapping[str, Intent]) -> Decision:
    """What the policy does with ``filing``'s conflicts (``others``: the other intents by id)."""
    refusing: list[Conflict] = []
    recorded: list[tuple[Conflict, str]] = []
    for conflict in conflicts:
        other_side = 1 if conflict.intents[0] == filing.id else 0
        other = others[conflict.intents[other_side]]
        if conflict.rule.mode is Mode.NOTIFY:
            recorded.append((conflict, BOTH))
        elif conflict.rule.mode is Mode.REJECT and other.priority >= filing.priority:
            refusing.append(conflict)
        elif conflict.rule.mode is Mode.REJECT:
            recorded.append((conflict, "ab"[other_side]))
    return Decision(tuple(refusing), tuple(recorded))
