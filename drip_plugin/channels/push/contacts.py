"""Whose browser is subscribing: PUSH_CONTACT_RESOLVER's default."""
from __future__ import annotations

from django.http import HttpRequest

from ...models import Contact


def logged_in_contact(request: HttpRequest) -> Contact | None:
    """The contact of the logged-in user (linked, or with the user's email)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return (Contact.objects.filter(user=user).first()
            or (Contact.objects.with_address(user.email).first() if user.email else None))
