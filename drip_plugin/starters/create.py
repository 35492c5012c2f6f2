"""Creating a starter's sequence and emails as drafts, at most once."""
from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale

from ..models import Email, Sequence, Step
from .catalog import STARTERS, Starter, StarterEmail


def _email(starter_email: StarterEmail, user) -> Email:
    # Reused by name: an email kept after its sequence was deleted is not duplicated.
    # Translations share the name: reuse the one in the default language.
    email = Email.objects.filter(name=starter_email.name, locale=Locale.get_default()).first()
    if email is None:
        email = Email(name=starter_email.name, subject=starter_email.subject, mjml=starter_email.mjml, live=False)
        email.save()
        email.save_revision(user=user, log_action=True)
    return email


def create_from_starter(starter: Starter, *, user=None) -> tuple[Sequence, bool]:
    """The starter's sequence as a draft (not live) with its emails as drafts.

    Idempotent by name: when a sequence of that name exists it is returned
    unchanged with created=False.
    """
    with transaction.atomic():
        existing = Sequence.objects.filter(name=starter.name).first()
        if existing is not None:
            return existing, False
        sequence = Sequence(name=starter.name, description=starter.description,
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
