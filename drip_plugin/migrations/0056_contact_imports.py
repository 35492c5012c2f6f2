# Contact imports started in the admin: one row per run (dry or real), with its progress and outcome.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('drip_plugin', '0055_journey_aggregates_failed_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ContactImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(help_text='As uploaded.', max_length=255, verbose_name='file name')),
                ('stored_name', models.CharField(max_length=255, verbose_name='stored file')),
                ('dry_run', models.BooleanField(verbose_name='dry run')),
                ('state', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed')], default='queued', max_length=8, verbose_name='state')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('total_rows', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows in the file')),
                ('rows_read', models.PositiveIntegerField(default=0, verbose_name='rows read')),
                ('batches', models.PositiveIntegerField(default=0, verbose_name='batches done')),
                ('created', models.PositiveIntegerField(default=0, verbose_name='created')),
                ('updated', models.PositiveIntegerField(default=0, verbose_name='changed')),
                ('unchanged', models.PositiveIntegerField(default=0, verbose_name='unchanged')),
                ('consents', models.PositiveIntegerField(default=0, verbose_name='consent records')),
                ('refused', models.JSONField(blank=True, default=list, verbose_name='refused rows')),
                ('changes', models.JSONField(blank=True, default=list, verbose_name='rows created or changed')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'contact import',
                'constraints': [models.UniqueConstraint(condition=models.Q(('dry_run', False)), fields=('stored_name',), name='drip_contact_import_once')],
            },
        ),
    ]
