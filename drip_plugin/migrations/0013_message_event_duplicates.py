# Duplicate ESP events removed (issue 15, point 3), before 0014 makes
# (esp_event_id, recipient) unique: the same webhook posted several times at
# once could be stored twice (read, then insert). Reviewed: data only; keeps
# the earliest row of each (id, recipient) pair — what was counted then stays
# counted. Not reversible (the copies were noise), which is harmless.

from django.db import migrations
from django.db.models import Count, Min


def remove_duplicate_esp_events(apps, schema_editor):
    MessageEvent = apps.get_model("drip_plugin", "MessageEvent")
    duplicated = (
        MessageEvent.objects.exclude(esp_event_id="").values("esp_event_id", "recipient")
        .annotate(first=Min("pk"), copies=Count("pk")).filter(copies__gt=1)
    )
    for pair in duplicated.iterator():
        MessageEvent.objects.filter(esp_event_id=pair["esp_event_id"], recipient=pair["recipient"]).exclude(
            pk=pair["first"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0012_contact_email_lowercase"),
    ]

    operations = [
        migrations.RunPython(remove_duplicate_esp_events, migrations.RunPython.noop),
    ]
