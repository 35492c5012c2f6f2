import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Send-time optimisation: the "best time" step timing, the learned hours
    per contact and for everyone, and the queue of opens and clicks to learn."""

    dependencies = [
        ('drip_plugin', '0070_push'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContactSendTime',
            fields=[
                ('hour_scores', models.JSONField(default=list)),
                ('scored_at', models.DateTimeField(null=True)),
                ('contact', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='send_time', serialize=False, to='drip_plugin.contact')),
            ],
            options={
                'verbose_name': "contact's send time",
            },
        ),
        migrations.CreateModel(
            name='PopulationSendTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour_scores', models.JSONField(default=list)),
                ('scored_at', models.DateTimeField(null=True)),
            ],
            options={
                'verbose_name': "population's send time",
            },
        ),
        migrations.AddField(
            model_name='step',
            name='best_time_within_hours',
            field=models.PositiveSmallIntegerField(default=24, help_text='Best time: after the wait, the email waits up to this many hours for the hour at which this contact usually opens and clicks (in their time zone), inside the send windows. With too little data: the hour most contacts read; with none: as soon as the send windows allow.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(168)], verbose_name='best time within (hours)'),
        ),
        migrations.AlterField(
            model_name='step',
            name='timing',
            field=models.CharField(choices=[('delay', 'after the wait'), ('weekday', 'after the wait, on the next chosen weekday at the chosen time'), ('date_offset', 'N days before/after a date of the contact or event'), ('best_time', "after the wait, at the contact's best time within N hours")], default='delay', max_length=12, verbose_name='timing'),
        ),
        migrations.CreateModel(
            name='SendTimeSignal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('local_hour', models.PositiveSmallIntegerField()),
                ('occurred_at', models.DateTimeField()),
                ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='drip_plugin.contact')),
            ],
            options={
                'verbose_name': 'send-time signal',
            },
        ),
    ]
