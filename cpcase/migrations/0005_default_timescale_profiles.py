"""The default timescale profile of each nation (cpcase.reference_data, from DOMAIN.md)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from cpcase.reference_data import ensure_default_timescales

    ensure_default_timescales(apps)


class Migration(migrations.Migration):
    dependencies = [("cpcase", "0004_timescale_profiles")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
