# Saleor became the contrib app drip_plugin.contrib.saleor (issue 16). Reviewed:
# state only — the tables, their rows, constraint and index stay where they are;
# drip_saleor's 0001 takes them over under the same table names. An install
# without the contrib app keeps the (then unused) tables.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0014_message_event_once'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='SaleorWebhookDelivery'),
                migrations.DeleteModel(name='SaleorInstallation'),
            ],
        ),
    ]
