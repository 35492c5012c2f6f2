# The Saleor App's models, taken over from drip_plugin (issue 16). Reviewed:
# state only — drip_plugin's 0005 created these tables (and 0015 let go of
# them), so existing installs keep their installations and deliveries.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('drip_plugin', '0015_saleor_to_contrib'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
                        'db_table': 'drip_plugin_saleorinstallation',
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
                        ('installation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='drip_saleor.saleorinstallation')),
                    ],
                    options={
                        'verbose_name': 'Saleor webhook delivery',
                        'verbose_name_plural': 'Saleor webhook deliveries',
                        'db_table': 'drip_plugin_saleorwebhookdelivery',
                        'indexes': [models.Index(condition=models.Q(('processed_at__isnull', True)), fields=['received_at'], name='drip_saleor_pending')],
                        'constraints': [models.UniqueConstraint(fields=('installation', 'event_type', 'body_sha256'), name='drip_saleor_delivery_once')],
                    },
                ),
            ],
        ),
    ]
