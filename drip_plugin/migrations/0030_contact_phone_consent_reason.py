from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0014_message_event_once"),
        ("drip_plugin", "0015_saleor_to_contrib"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="phone",
            field=models.CharField(blank=True, help_text="E.164, e.g. +33612345678.", max_length=20,
                                   verbose_name="phone"),
        ),
        migrations.AddField(
            model_name="consent",
            name="reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason"),
        ),
    ]
