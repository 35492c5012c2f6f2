"""Who must not be mailed: unsubscribed contacts, opt-outs and suppressed addresses."""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import drip_settings
from ..models import Consent, Contact, Message, MessageEvent, Sequence, Suppression

logger = logging.getLogger("drip_plugin.consent")


def email_hash(email: str) -> str:
    """Keyed hash of a normalised address: matchable, not reversible.

    The key comes from SUPPRESSION_HASH_KEY, which never changes: rotating
    SECRET_KEY must not forget who may not be mailed. Unset, it is SECRET_KEY,
    as before the setting existed (check W060): setting SUPPRESSION_HASH_KEY
    to the current SECRET_KEY keeps every stored hash matching.
    """
    secret = drip_settings.SUPPRESSION_HASH_KEY or settings.SECRET_KEY
    key = hashlib.sha256(f"drip_plugin.suppression:{secret}".encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_hash=email_hash(email)).exists()


ERASED = "erased"  # the reason erase_contact() suppresses with


def is_erased(email: str) -> bool:
    """The person behind `email` had their data erased: store nothing about it again."""
    return Suppression.objects.filter(email_hash=email_hash(email), reason=ERASED).exists()


def suppress(email: str, reason: str) -> None:
    """Never mail `email` again; its contact (if any) is unsubscribed too."""
    try:
        with transaction.atomic():
            Suppression.objects.create(email_hash=email_hash(email), reason=reason)
    except IntegrityError:
        pass  # already suppressed
    Contact.objects.with_address(email).filter(is_subscribed=True).update(
        is_subscribed=False, unsubscribed_at=timezone.now()
    )
    logger.info("suppressed an address (%s)", reason)


def unsubscribe(contact: Contact, source: str, wording_version: str = "", reason: str = "", *,
                message: Message | None = None) -> None:
    """Stop marketing email to `contact`, recording the withdrawal of consent;
    `message`: the email whose link was used, which gets an "unsubscribed"
    event (its step's report counts it)."""
    with transaction.atomic():
        Consent.objects.create(contact=contact, granted=False, source=source, wording_version=wording_version,
                               reason=reason)
        if message is not None:
            MessageEvent.objects.create(message=message, event_type="unsubscribed", recipient=contact.email,
                                        occurred_at=timezone.now())
        if contact.is_subscribed:
            contact.is_subscribed = False
            contact.unsubscribed_at = timezone.now()
            contact.save(update_fields=["is_subscribed", "unsubscribed_at", "updated_at"])
            logger.info("contact %s unsubscribed (%s)", contact.pk, source)


def resubscribe(contact: Contact, source: str, wording_version: str = "", reason: str = "") -> bool:
    """Record consent and subscribe again; False (still recorded) when the
    address is suppressed: bounces, complaints and erasures outrank it."""
    Consent.objects.create(contact=contact, granted=True, source=source, wording_version=wording_version,
                           reason=reason)
    if is_suppressed(contact.email):
        logger.info("contact %s gave consent but the address is suppressed; not subscribed", contact.pk)
        return False
    if not contact.is_subscribed:
        contact.is_subscribed, contact.unsubscribed_at = True, None
        contact.save(update_fields=["is_subscribed", "unsubscribed_at", "updated_at"])
    return True


def set_opt_outs(contact: Contact, sequences: Iterable[Sequence], source: str) -> None:
    """`contact` gets no more email from `sequences` (and again from any other)."""
    contact.opted_out_of.set(list(sequences))
    logger.info("contact %s opt-outs changed (%s)", contact.pk, source)
