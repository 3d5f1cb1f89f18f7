"""Adds the convened-review timescale to each nation's defaults (cpcase.reference_data)."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    from cpcase.reference_data import ensure_default_timescales

    ensure_default_timescales(apps)


class Migration(migrations.Migration):
    dependencies = [("cpcase", "0006_child_looked_after_since_alter_timescalerule_kind")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
