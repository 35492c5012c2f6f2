"""Creating a starter's sequence and emails as drafts, at most once."""
from __future__ import annotations

from django.db import transaction
from django.utils import translation
from wagtail.models import Locale

from ..models import Email, Sequence, Step
from .catalog import LANGUAGES, STARTERS, Starter, StarterEmail


def sequence_name(starter: Starter) -> str:
    """The starter's sequence name, in the site's default language (as it is created)."""
    with translation.override(Locale.get_default().language_code):
        return str(starter.name)


def _draft(starter_email: StarterEmail, locale: Locale, user, **fields) -> Email:
    """Its name in the active language: translations share their source's name."""
    language = locale.language_code
    email = Email(name=str(starter_email.name), subject=starter_email.subject_in(language),
                  mjml=starter_email.mjml_in(language), live=False, locale=locale, **fields)
    email.save()
    email.save_revision(user=user, log_action=True)
    return email


def _email(starter_email: StarterEmail, user) -> Email:
    """The email in the default locale (the active language here), with a draft
    translation for each other locale of the site that starters are written in."""
    default = Locale.get_default()
    # Reused by name: an email kept after its sequence was deleted is not duplicated.
    # Translations share the name: reuse the one in the default language.
    email = Email.objects.filter(name=str(starter_email.name), locale=default).first()
    if email is None:
        email = _draft(starter_email, default, user)
        for locale in Locale.objects.exclude(pk=default.pk):
            if locale.language_code.split("-", 1)[0] in LANGUAGES:
                _draft(starter_email, locale, user, translation_key=email.translation_key)
    return email


def create_from_starter(starter: Starter, *, user=None) -> tuple[Sequence, bool]:
    """The starter's sequence as a draft (not live) with its emails as drafts,
    in the site's default language (and their translations).

    Idempotent by name: when a sequence of that name exists it is returned
    unchanged with created=False.
    """
    with transaction.atomic(), translation.override(Locale.get_default().language_code):
        existing = Sequence.objects.filter(name=str(starter.name)).first()
        if existing is not None:
            return existing, False
        sequence = Sequence(name=str(starter.name), description=str(starter.description),
                            trigger_event=starter.trigger_event, live=False, **starter.options)
        sequence.steps = [
            Step(sort_order=order, delay_amount=step.delay_amount, delay_unit=step.delay_unit,
                 email=_email(step.email, user))
            for order, step in enumerate(starter.steps)
        ]
        sequence.save()
        sequence.save_revision(user=user, log_action=True)
        return sequence, True


def create_all_starters(*, user=None) -> list[tuple[Sequence, bool]]:
    return [create_from_starter(starter, user=user) for starter in STARTERS]
