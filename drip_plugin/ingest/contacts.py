"""Finding or creating the contact an event is about."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..exceptions import InvalidEvent
from ..models import Contact


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


def resolve_contact(*, email: str | None, user=None) -> Contact:
    """The contact for `user` and/or `email`, created on first sight.

    Raises InvalidEvent when neither identifies anyone or the email is invalid.
    """
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None  # request.user of a guest checkout: the email says who it is
    if user is not None and getattr(user, "pk", None) is not None:
        contact = Contact.objects.filter(user=user).first()
        if contact is not None:
            return contact
        email = email or getattr(user, "email", "")
        if not email:
            raise InvalidEvent(f"user {user.pk} has no email address and no drip contact")
    elif user is not None:
        raise InvalidEvent("user must be saved before it can be tracked")
    if not email:
        raise InvalidEvent("track() needs an email or a user to know who the event is about")
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
    elif user is not None and contact.user_id is None:
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
    return contact
