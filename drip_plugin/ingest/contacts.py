"""Finding or creating the contact an event is about."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from ..exceptions import InvalidEvent
from ..models import Contact, Suppression
from ..models.bulk import insert_new


MAX_EMAIL_LENGTH = Contact._meta.get_field("email").max_length


def normalise_email(email: str) -> str:
    if not isinstance(email, str):
        raise InvalidEvent(f"email must be a string, not {type(email).__name__}")
    cleaned = email.strip().lower()
    try:
        validate_email(cleaned)
    except ValidationError:
        raise InvalidEvent(f"{email!r} is not a valid email address") from None
    if len(cleaned) > MAX_EMAIL_LENGTH:
        raise InvalidEvent(f"email addresses are at most {MAX_EMAIL_LENGTH} characters")
    return cleaned


def identity(*, email: str | None, user=None) -> tuple[Any, str | None]:
    """(user, email) as resolve_contact() takes them, checked without the database."""
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None  # request.user of a guest checkout: the email says who it is
    if user is not None and getattr(user, "pk", None) is None:
        raise InvalidEvent("user must be saved before it can be tracked")
    if user is None and not email:
        raise InvalidEvent("track() needs an email or a user to know who the event is about")
    # With a user, the email matters only if the user has no contact yet: resolve_contact() checks it then.
    return user, (normalise_email(email) if user is None else email)


def contacts_for(identities: list[tuple[str | None, Any]]) -> list[Contact]:
    """The contact of each (email, user), created on first sight; addresses
    alone are looked up and created together (two or three queries)."""
    by_email = contacts_by_email({email for email, user in identities if user is None})
    by_user: dict[Any, Contact] = {}
    for email, user in identities:
        if user is not None and user.pk not in by_user:
            by_user[user.pk] = resolve_contact(email=email, user=user)
    return [by_email[email] if user is None else by_user[user.pk] for email, user in identities]


def contacts_by_email(emails: set[str]) -> dict[str, Contact]:
    """Contacts by normalised address, those missing created (unsubscribed
    when suppressed: an erased or bounced address stays unmailable when it
    comes back)."""
    if not emails:
        return {}
    found = {contact.email.lower(): contact
             for contact in Contact.objects.alias(email_ci=Lower("email")).filter(email_ci__in=emails)}
    missing = sorted(emails - found.keys())
    if missing:
        from ..consent.suppression import email_hash

        hashes = {email_hash(email): email for email in missing}
        suppressed = {hashes[h] for h in Suppression.objects.filter(email_hash__in=hashes).values_list("email_hash",
                                                                                                        flat=True)}
        new = [Contact(email=email, is_subscribed=email not in suppressed) for email in missing]
        written = insert_new(new, key=lambda contact: contact.email, key_columns=("email",))
        found.update((contact.email, contact) for contact in new if contact.email in written)
        raced = set(missing) - written  # created by another worker meanwhile
        if raced:
            found.update((contact.email.lower(), contact)
                         for contact in Contact.objects.alias(email_ci=Lower("email")).filter(email_ci__in=raced))
    return found


def resolve_contact(*, email: str | None, user=None) -> Contact:
    """The contact for `user` and/or `email`, created on first sight.

    Raises InvalidEvent when neither identifies anyone or the email is invalid.
    """
    user, email = identity(email=email, user=user)
    if user is None:
        return contacts_by_email({email})[email]
    contact = Contact.objects.filter(user=user).first()
    if contact is not None:
        return contact
    email = email or getattr(user, "email", "")
    if not email:
        raise InvalidEvent(f"user {user.pk} has no email address and no drip contact")
    email = normalise_email(email)
    contact = Contact.objects.with_address(email).first()
    if contact is None:
        from ..consent.suppression import is_suppressed

        contact = Contact.objects.create(
            email=email,
            user=user,
            first_name=getattr(user, "first_name", "") or "",
            last_name=getattr(user, "last_name", "") or "",
            # A suppressed (e.g. erased, bounced) address stays unmailable
            # when it comes back.
            is_subscribed=not is_suppressed(email),
        )
    elif contact.user_id is None:
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
    return contact
