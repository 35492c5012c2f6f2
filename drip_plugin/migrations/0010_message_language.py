# Which language each message went out in (issue 7, languages). Reviewed:
# additive only — a blank column; messages sent before it stay blank (their
# language was not recorded); PostgreSQL 11+ adds it without rewriting the table.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0009_ab_variants'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='language',
            field=models.CharField(blank=True, max_length=16),
        ),
    ]
