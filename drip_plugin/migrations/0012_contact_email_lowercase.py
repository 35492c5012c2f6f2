# Contact emails lower-cased (issue 6, suppression): rows saved before
# Contact.save() normalised them (e.g. typed in the admin as Ada@Example.com)
# were missed by ESP unsubscribes and the GDPR commands, which look addresses
# up lower-cased. Reviewed: data only; the case-insensitive unique constraint
# means no two rows can collide once lower-cased. Not reversible (the
# original case is not kept), which is harmless.

from django.db import migrations
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor):
    Contact = apps.get_model("drip_plugin", "Contact")
    Contact.objects.update(email=Lower("email"))


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0011_message_event_esp_id"),
    ]

    operations = [
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop),
    ]
