"""First answers to requests sent with an ``Idempotency-Key``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wellclear.store.models import IdempotencyRow


def find_answer(session: Session, party_id: int, key: str) -> IdempotencyRow | None:
    return session.get(IdempotencyRow, (party_id, key))


def keep_answer(
    session: Session, party_id: int, key: str, request_hash: str, status: int, body: str
) -> None:
    """Remember the answer; a concurrent duplicate fails at flush with an IntegrityError."""
    session.add(
        IdempotencyRow(
            party_id=party_id,
            key=key,
            request_hash=request_hash,
            status_code=status,
            response_json=body,
        )
    )
    session.flush()
