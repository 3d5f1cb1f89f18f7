# The measures' period filters (registry/measures.py) read these instead of the whole
# table. Built concurrently: writes go on meanwhile.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('conferences', '0010_transfer_notices_and_disagreements'),
        ('cpcase', '0020_significant_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='conference',
            index=models.Index(fields=['held_on'], name='conference_held_on'),
        ),
    ]
