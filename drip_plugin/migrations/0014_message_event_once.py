# Each ESP event stored once (issue 15, points 3 and 6). Reviewed:
# - the unique constraint on (esp_event_id, recipient), for non-empty ids,
#   replaces the plain index on esp_event_id (the unique index serves the
#   same lookups); 0013 removed the duplicates that would make it fail;
# - `bounce` records the ESP's soft/hard classification ("" for other events),
#   so a message's repeated soft bounces count once.
# On a large PostgreSQL table the index build holds a write lock on
# messageevent for its duration (webhooks wait, then are stored).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0013_message_event_duplicates"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="messageevent",
            name="drip_msgevent_esp_event",
        ),
        migrations.AddField(
            model_name="messageevent",
            name="bounce",
            field=models.CharField(blank=True, choices=[("soft", "soft"), ("hard", "hard")], max_length=4),
        ),
        migrations.AddConstraint(
            model_name="messageevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("esp_event_id", ""), _negated=True), fields=("esp_event_id", "recipient"),
                name="drip_msgevent_esp_event_once",
            ),
        ),
    ]
