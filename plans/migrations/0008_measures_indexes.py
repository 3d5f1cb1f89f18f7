# The measures' period filters (registry/measures.py) read these instead of the whole
# table. Built concurrently: writes go on meanwhile.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cpcase', '0020_significant_events'),
        ('plans', '0007_core_group_interval'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='plan',
            index=models.Index(fields=['started_on'], name='plan_started_on'),
        ),
        AddIndexConcurrently(
            model_name='plan',
            index=models.Index(fields=['ended_on'], name='plan_ended_on'),
        ),
    ]
