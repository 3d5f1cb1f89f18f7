"""The audit table refuses UPDATE and DELETE; the role groups exist; pg_trgm for name search."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION cpcase_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on cpcase_auditevent is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cpcase_auditevent_append_only
    BEFORE UPDATE OR DELETE ON cpcase_auditevent
    FOR EACH ROW EXECUTE FUNCTION cpcase_audit_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS cpcase_auditevent_append_only ON cpcase_auditevent;
DROP FUNCTION IF EXISTS cpcase_audit_append_only();
"""


def create_roles(apps, schema_editor):
    from cpcase.reference_data import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cpcase", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
