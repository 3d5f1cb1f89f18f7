"""The child's name key, stored: the full name as the name search compares it
(``cpcase_name_key``, migration 0009: unaccented, lower case), kept by PostgreSQL as a
generated column with its own trigram index, in place of the index on the function.

The search's trigram index finds candidates; each is then checked, and the matches
ranked, against the name key. Computed, that meant unaccenting every candidate's name
twice (about 2,600 for a common surname among a million children); stored, it is read.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cpcase', '0024_audit_chain_inline_canonical'),
    ]

    operations = [
        migrations.AddField(
            model_name='child',
            name='name_key',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('first_name'), models.F('last_name'), function='public.cpcase_name_key'), output_field=models.TextField()),
        ),
        migrations.AddIndex(
            model_name='child',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.F('name_key'), name='gin_trgm_ops'), name='child_name_key_trgm'),
        ),
        # The index on the function (migration 0009), which nothing asks for now.
        migrations.RunSQL(
            "DROP INDEX IF EXISTS child_name_trgm;",
            "CREATE INDEX child_name_trgm ON cpcase_child "
            "USING gin (public.cpcase_name_key(first_name, last_name) public.gin_trgm_ops);",
        ),
    ]
