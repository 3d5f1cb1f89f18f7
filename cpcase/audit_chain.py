"""The audit trail's hash chain, checked from outside the database.

A trigger (migration 0010) gives each audit event its place in the chain
(``chain_seq``) and ``chain_hash`` = sha256(previous hash, "|", canonical content).
The canonical content is each value below as text, written ``length:value``
(``-`` for NULL) and joined with ``|``. The hashing is done again here in
Python, so a changed database function cannot vouch for a changed row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection

# The same expressions, in the same order, as cpcase_audit_canonical() in migration 0010.
CANONICAL_COLUMNS = (
    "chain_seq::text",
    "id::text",
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
    "actor_id::text",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "child_id::text",
    "summary",
    "changes::text",
    "ip_address::text",
    "user_agent",
    "path",
    "request_id",
)


def canonical(values: Sequence[str | None]) -> str:
    return "|".join("-" if v is None else f"{len(v)}:{v}" for v in values)


def link(previous: str, values: Sequence[str | None]) -> str:
    return hashlib.sha256(f"{previous}|{canonical(values)}".encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What a walk of the chain found: ``broken_at`` is None when the chain is intact."""

    checked: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(*, batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> Verdict:
    """Walk the chain in order, ``batch_size`` events at a time; stop at the first break."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cpcase_auditevent WHERE chain_seq IS NULL ORDER BY id LIMIT 1"
        )
        unchained = cursor.fetchone()
    if unchained is not None:
        return Verdict(
            checked=0,
            head_seq=0,
            head_hash="",
            broken_at=unchained[0],
            problem="it has no place in the chain (written while the chain trigger was off)",
        )
    select = (
        f"SELECT id, chain_seq, chain_hash, {', '.join(CANONICAL_COLUMNS)}"  # noqa: S608 - constants
        " FROM cpcase_auditevent e WHERE e.chain_seq > %s ORDER BY e.chain_seq LIMIT %s"
    )
    seq, previous, checked = 0, "", 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [seq, batch_size])
            rows = cursor.fetchall()
        for event_id, event_seq, stored, *values in rows:
            problem = ""
            if event_seq != seq + 1:
                missing = f"{seq + 1}" if event_seq == seq + 2 else f"{seq + 1} to {event_seq - 1}"
                problem = f"the event(s) at position {missing} before it are missing (deleted)"
            elif stored != link(previous, values):
                problem = (
                    "its hash does not match its content and the hash before it"
                    " (changed after it was written)"
                )
            if problem:
                return Verdict(checked, seq, previous, event_id, event_seq, problem)
            seq, previous, checked = event_seq, stored, checked + 1
        if progress is not None:
            progress(checked)
        if len(rows) < batch_size:
            return Verdict(checked=checked, head_seq=seq, head_hash=previous)
