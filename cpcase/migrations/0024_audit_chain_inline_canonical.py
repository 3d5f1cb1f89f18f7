"""The audit chain's trigger builds the canonical text itself, from ``NEW``.

``cpcase_audit_chain`` (migration 0011) called ``cpcase_audit_link(previous, NEW)``,
which called ``cpcase_audit_canonical(e)``: two SQL functions taking the whole row, run
for every audit event inserted. On the bench database that cost about 92 microseconds an
event, 7 ms of the 12 ms it took to write a social worker's home page's 76 read events.
The same ``concat_ws`` written in the trigger's own expression (planned once a session by
PL/pgSQL) costs about 14 microseconds an event.

The text and the hash are the same, byte for byte (``manage.py verify_audit`` hashes
again in Python from ``cpcase.audit_chain.CANONICAL_COLUMNS``; the tests check it for
NULLs, accents, long text and JSON). The two SQL functions stay: the tests and anyone
checking the chain by hand in SQL use them.
"""

from django.db import migrations

# The same values, in the same order, as cpcase_audit_canonical (migrations 0011, 0021)
# and cpcase.audit_chain.CANONICAL_COLUMNS, read from the row being inserted.
_VALUES = (
    "NEW.chain_seq::text",
    "NEW.id::text",
    "to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
    "NEW.actor_id::text",
    "NEW.actor_username",
    "NEW.action",
    "NEW.object_type",
    "NEW.object_id",
    "NEW.child_id::text",
    "NEW.summary",
    "NEW.changes::text",
    "NEW.ip_address::text",
    "NEW.user_agent",
    "NEW.path",
    "NEW.request_id",
)

_PARTS = ",\n            ".join(
    f"CASE WHEN {v} IS NULL THEN '-' ELSE length({v}) || ':' || {v} END" for v in _VALUES
)


def _chain_trigger(hash_expression: str) -> str:
    """Migration 0011's trigger function, with ``hash_expression`` for ``NEW.chain_hash``."""
    return f"""
CREATE OR REPLACE FUNCTION cpcase_audit_chain() RETURNS trigger AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    -- One writer at a time extends the chain, until its transaction ends.
    PERFORM pg_advisory_xact_lock(8316409711580160001);
    SELECT chain_seq, chain_hash INTO last_seq, last_hash FROM cpcase_auditevent
        WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(last_seq, 0) + 1;
    NEW.chain_hash := {hash_expression};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


INLINE = _chain_trigger(
    f"""encode(sha256(convert_to(
        coalesce(last_hash, '') || '|' || concat_ws('|',
            {_PARTS}),
        'UTF8')), 'hex')"""
)

# Migration 0011's definition, to go back to.
PREVIOUS = _chain_trigger("cpcase_audit_link(last_hash, NEW)")


class Migration(migrations.Migration):
    dependencies = [
        ("cpcase", "0023_child_lead_name_order_index"),
    ]

    operations = [migrations.RunSQL(INLINE, PREVIOUS)]
