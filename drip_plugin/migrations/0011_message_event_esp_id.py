# Index on MessageEvent.esp_event_id (issue 6, tracking): every incoming ESP
# webhook event is looked up by its id so that a resent webhook counts once.
# Reviewed: additive only; on a large PostgreSQL table, build it with
# AddIndexConcurrently in your own migration if a short write lock matters.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0010_message_language'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='messageevent',
            index=models.Index(fields=['esp_event_id'], name='drip_msgevent_esp_event'),
        ),
    ]
