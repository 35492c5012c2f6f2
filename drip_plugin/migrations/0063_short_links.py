import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Tracked short links of SMS (links/short.py); contacts found by phone
    number for inbound SMS (STOP)."""

    dependencies = [
        ("drip_plugin", "0062_channels_sms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="phone",
            field=models.CharField(blank=True, db_index=True, help_text="E.164, e.g. +33612345678.", max_length=20,
                                   verbose_name="phone"),
        ),
        migrations.CreateModel(
            name="ShortLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=16, unique=True)),
                ("url", models.URLField(max_length=2000)),
                ("message", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="short_links",
                                              to="drip_plugin.message")),
            ],
            options={"verbose_name": "short link"},
        ),
    ]
