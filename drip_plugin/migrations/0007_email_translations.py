# Translatable emails (issue 7, languages). Reviewed: Wagtail's documented
# path for making an existing model translatable (BootstrapTranslatableMixin →
# populate → TranslatableMixin), in one migration: add the two fields
# nullable, give every existing email its own translation_key and the default
# locale, then make them required and unique together. The default locale is
# created when missing (a host whose LANGUAGE_CODE changed since Wagtail's
# initial locale), so existing emails are never left without one.
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models.i18n import bootstrap_translatable_model


def existing_emails_into_the_default_locale(apps, schema_editor):
    Email = apps.get_model("drip_plugin", "Email")
    if not Email.objects.filter(translation_key__isnull=True).exists():
        return
    Locale = apps.get_model("wagtailcore", "Locale")
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    bootstrap_translatable_model(Email, locale)


class Migration(migrations.Migration):

    dependencies = [
        ("drip_plugin", "0006_consent"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [
        migrations.AddField(
            model_name="email",
            name="translation_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="email",
            name="locale",
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="wagtailcore.locale", verbose_name="locale"),
        ),
        migrations.RunPython(existing_emails_into_the_default_locale, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="email",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterField(
            model_name="email",
            name="locale",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="wagtailcore.locale", verbose_name="locale"),
        ),
        migrations.AlterUniqueTogether(
            name="email",
            unique_together={("translation_key", "locale")},
        ),
    ]
