"""Tamper evidence on the audit trail, and the application's database role.

1. Each audit event gets its place in a chain (``chain_seq``) and a hash
   (``chain_hash``): sha256 over the hash before it and the event's canonical
   content. A BEFORE INSERT trigger sets both, under a transaction-level
   advisory lock, so concurrent and bulk inserts each extend one chain; the
   unique ``chain_seq`` turns any fork into an error rather than a silent break.
   Events already written are chained in id order here.
   ``manage.py verify_audit`` recomputes the chain (cpcase/audit_chain.py holds
   the same canonical form in Python and must agree with this SQL).

2. When the application connects as its own role (``CPCASE_DATABASE_APP_ROLE``,
   set when ``DATABASE_OWNER_URL`` differs from ``DATABASE_URL``, and always on
   the embedded cluster), this migration, run as the owner, grants that role
   SELECT/INSERT/UPDATE/DELETE on the tables (no TRUNCATE, no DDL), the same on
   tables made by later migrations (default privileges), and on the append-only
   tables (the audit trail, plan versions) only INSERT and SELECT
   (cpcase.db_roles.grant_app_role, which ``manage.py migrate`` also applies
   again at the end of every run).
"""

from django.db import migrations, models

CHAIN = """
CREATE OR REPLACE FUNCTION cpcase_audit_canonical(e cpcase_auditevent) RETURNS text AS $$
    SELECT string_agg(CASE WHEN v IS NULL THEN '-' ELSE length(v) || ':' || v END, '|' ORDER BY n)
    FROM unnest(ARRAY[
        e.chain_seq::text,
        e.id::text,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.actor_id::text,
        e.actor_username,
        e.action,
        e.object_type,
        e.object_id,
        e.child_id::text,
        e.summary,
        e.changes::text,
        e.ip_address::text,
        e.user_agent,
        e.path,
        e.request_id
    ]) WITH ORDINALITY AS t(v, n)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION cpcase_audit_link(previous text, e cpcase_auditevent) RETURNS text AS $$
    SELECT encode(sha256(convert_to(coalesce(previous, '') || '|' || cpcase_audit_canonical(e), 'UTF8')), 'hex')
$$ LANGUAGE sql STABLE;

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
    NEW.chain_hash := cpcase_audit_link(last_hash, NEW);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Chain the events written before this migration, oldest first.
ALTER TABLE cpcase_auditevent DISABLE TRIGGER cpcase_auditevent_append_only;
DO $$
DECLARE
    e cpcase_auditevent;
    seq bigint := 0;
    previous text := '';
BEGIN
    FOR e IN SELECT * FROM cpcase_auditevent ORDER BY id LOOP
        seq := seq + 1;
        e.chain_seq := seq;
        previous := cpcase_audit_link(previous, e);
        UPDATE cpcase_auditevent SET chain_seq = seq, chain_hash = previous WHERE id = e.id;
    END LOOP;
END $$;
ALTER TABLE cpcase_auditevent ENABLE TRIGGER cpcase_auditevent_append_only;

CREATE TRIGGER cpcase_auditevent_chain
    BEFORE INSERT ON cpcase_auditevent
    FOR EACH ROW EXECUTE FUNCTION cpcase_audit_chain();
"""

DROP_CHAIN = """
DROP TRIGGER IF EXISTS cpcase_auditevent_chain ON cpcase_auditevent;
DROP FUNCTION IF EXISTS cpcase_audit_chain();
DROP FUNCTION IF EXISTS cpcase_audit_link(text, cpcase_auditevent);
DROP FUNCTION IF EXISTS cpcase_audit_canonical(cpcase_auditevent);
"""

def grant_app_role(apps, schema_editor):
    from cpcase.db_roles import grant_app_role

    grant_app_role(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cpcase", "0010_audit_account_actions"),
        # Plan versions are append-only too: their table must exist before the grants.
        ("plans", "0004_plan_end_transfer"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunSQL(CHAIN, DROP_CHAIN),
        migrations.RunPython(grant_app_role, migrations.RunPython.noop),
    ]
