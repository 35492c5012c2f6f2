# Saleor App (issue 5): installations and verified webhook deliveries. Reviewed:
# the unique constraint is the at-least-once dedupe key; the partial index keeps
# the tick's sweep of unprocessed deliveries off the processed history.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0004_delivery'),
    ]

    operations = [
        migrations.CreateModel(
            name='SaleorInstallation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('saleor_api_url', models.URLField(max_length=500, unique=True, verbose_name='Saleor API URL')),
                ('app_id', models.CharField(blank=True, max_length=100)),
                ('auth_token', models.CharField(max_length=255)),
                ('jwks', models.JSONField(default=dict)),
                ('jwks_fetched_at', models.DateTimeField()),
                ('installed_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'Saleor installation',
            },
        ),
        migrations.CreateModel(
            name='SaleorWebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_type', models.CharField(max_length=64)),
                ('body_sha256', models.CharField(max_length=64)),
                ('payload', models.JSONField()),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('error', models.TextField(blank=True)),
                ('installation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='drip_plugin.saleorinstallation')),
            ],
            options={
                'verbose_name': 'Saleor webhook delivery',
                'verbose_name_plural': 'Saleor webhook deliveries',
                'indexes': [models.Index(condition=models.Q(('processed_at__isnull', True)), fields=['received_at'], name='drip_saleor_pending')],
                'constraints': [models.UniqueConstraint(fields=('installation', 'event_type', 'body_sha256'), name='drip_saleor_delivery_once')],
            },
        ),
    ]
