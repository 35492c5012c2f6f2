import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import drip_plugin.models.sequences


class Migration(migrations.Migration):
    """Channels (drip_plugin.channels): a message records its channel and
    address, a step may send an SMS (SmsText snippet) and names a fallback,
    consent is per channel with the text shown, a contact's SMS consent."""

    dependencies = [
        ("drip_plugin", "0061_drop_two_variant_fields"),
        # The first with wagtailcore.Revision (Wagtail 4.0), not the newest: Wagtail 7.0 must migrate.
        ("wagtailcore", "0070_rename_pagerevision_revision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SmsText",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("live", models.BooleanField(default=True, editable=False, verbose_name="live")),
                ("has_unpublished_changes", models.BooleanField(default=False, editable=False,
                                                                verbose_name="has unpublished changes")),
                ("first_published_at", models.DateTimeField(blank=True, db_index=True, null=True,
                                                            verbose_name="first published at")),
                ("last_published_at", models.DateTimeField(editable=False, null=True,
                                                           verbose_name="last published at")),
                ("go_live_at", models.DateTimeField(blank=True, null=True, verbose_name="go live date/time")),
                ("expire_at", models.DateTimeField(blank=True, null=True, verbose_name="expiry date/time")),
                ("expired", models.BooleanField(default=False, editable=False, verbose_name="expired")),
                ("locked", models.BooleanField(default=False, editable=False, verbose_name="locked")),
                ("locked_at", models.DateTimeField(editable=False, null=True, verbose_name="locked at")),
                ("name", models.CharField(help_text="For editors only, e.g. 'Cart reminder SMS'.", max_length=200,
                                          verbose_name="name")),
                ("body", models.TextField(help_text="Merge fields as in emails, e.g. {{ contact.first_name }}. Links "
                                                    "are shortened and tracked when the SMS is sent.",
                                          verbose_name="text")),
                ("latest_revision", models.ForeignKey(blank=True, editable=False, null=True,
                                                      on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                      to="wagtailcore.revision", verbose_name="latest revision")),
                ("live_revision", models.ForeignKey(blank=True, editable=False, null=True,
                                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                    to="wagtailcore.revision", verbose_name="live revision")),
                ("locked_by", models.ForeignKey(blank=True, editable=False, null=True,
                                                on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="locked_%(class)ss", to=settings.AUTH_USER_MODEL,
                                                verbose_name="locked by")),
            ],
            options={"verbose_name": "SMS text", "verbose_name_plural": "SMS texts"},
        ),
        migrations.AlterField(
            model_name="step",
            name="kind",
            field=models.CharField(choices=[("email", "Send an email"), ("sms", "Send an SMS"), ("wait", "Wait only"),
                                            ("branch", "Branch on a condition"),
                                            ("update", "Update a contact attribute"),
                                            ("exit", "Exit the sequence")],
                                   default="email", max_length=10, verbose_name="step"),
        ),
        migrations.AddField(
            model_name="step",
            name="sms",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="steps", to="drip_plugin.smstext", verbose_name="SMS"),
        ),
        migrations.AddField(
            model_name="step",
            name="fallback",
            field=models.CharField(blank=True, choices=drip_plugin.models.sequences.fallback_choices, max_length=16,
                                   help_text="Skipped (recorded) by default, or sent on another channel: the step "
                                             "needs content for it.",
                                   verbose_name="if the contact cannot get it"),
        ),
        # Every existing message is an email.
        migrations.AddField(
            model_name="message",
            name="channel",
            field=models.CharField(default="email", max_length=16),
        ),
        migrations.AddField(
            model_name="message",
            name="address",
            field=models.CharField(blank=True, max_length=254),
        ),
        # Each channel's sender claims its own due messages: the channel leads the index.
        migrations.RemoveIndex(model_name="message", name="drip_message_sendable"),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(("status__in", ["queued", "retry_scheduled"])),
                               fields=["channel", "send_after"], name="drip_message_sendable_channel"),
        ),
        # Every existing consent row is about marketing email.
        migrations.AddField(
            model_name="consent",
            name="channel",
            field=models.CharField(default="email", max_length=16, verbose_name="channel"),
        ),
        migrations.AddField(
            model_name="consent",
            name="text_shown",
            field=models.TextField(blank=True, verbose_name="text shown"),
        ),
        migrations.AddField(
            model_name="contact",
            name="sms_consent",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="SMS consent",
                                   choices=[("", "not asked"), ("pending", "waiting for the YES reply (double opt-in)"),
                                            ("granted", "granted"), ("withdrawn", "withdrawn (STOP)")]),
        ),
    ]
