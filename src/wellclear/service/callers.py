"""Who is calling: a party with a role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wellclear.service.errors import Forbidden


class Role(StrEnum):
    OPERATOR = "operator"  # files and manages its own intents
    OBSERVER = "observer"  # reads everything, changes nothing
    ADMIN = "admin"  # reads everything; manages parties


@dataclass(frozen=True, slots=True)
class Caller:
    party_id: int
    name: str
    role: Role

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.OBSERVER, Role.ADMIN)

    def require_operator(self) -> None:
        if self.role is not Role.OPERATOR:
            raise Forbidden(f"party {self.name!r} is an {self.role}; only operators file intents")
