# The lists' order (name, then id) as an index, so that a first page reads fifty rows
# from it instead of sorting every child the user may see. Built concurrently: a
# million children's index takes a while, and writes go on meanwhile.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cpcase", "0016_birth_meeting_timescale"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="child",
            index=models.Index(
                fields=["last_name", "first_name", "id"], name="child_name_order_idx"
            ),
        ),
    ]
