# Consent evidence (issue 6). Reviewed: append-only rows, cascade-deleted with
# the contact on erasure; the (contact, recorded_at) index serves "latest consent".

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0005_saleor'),
    ]

    operations = [
        migrations.CreateModel(
            name='Consent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('granted', models.BooleanField(help_text='False records a withdrawal.', verbose_name='granted')),
                ('source', models.CharField(max_length=100, verbose_name='source')),
                ('wording_version', models.CharField(blank=True, max_length=100, verbose_name='wording version')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded at')),
                ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consents', to='drip_plugin.contact')),
            ],
            options={
                'verbose_name': 'consent',
                'indexes': [models.Index(fields=['contact', 'recorded_at'], name='drip_consent_contact')],
            },
        ),
    ]
