"""The public `identify()` API: what drip knows about a contact (names, time
zone, locale, phone, attributes), validated before anything is written."""
from __future__ import annotations

import logging
import math
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction

from ..exceptions import InvalidEvent
from ..models import Contact
from .contacts import normalise_email, resolve_contact
from .track import plain_properties

logger = logging.getLogger("drip_plugin.ingest")

ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# 'fr', 'fr_CA', 'pt-BR', 'zh-Hant-TW': a language, then region/script parts.
LOCALE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$")
# Contact fields a segment reads first (contact.city reads the attribute
# only because Contact has no city field): an attribute of the same name would never be read.
RESERVED_NAMES = frozenset(f.name for f in Contact._meta.get_fields()) | {"full_name"}
NAME_LENGTH = Contact._meta.get_field("first_name").max_length


@dataclass(frozen=True)
class ContactData:
    """Validated changes to one contact: fields to set (None: leave as is)
    and attributes to merge (a None value removes the attribute)."""

    first_name: str | None = None
    last_name: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    phone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not self.attributes and all(
            getattr(self, name) is None for name in ("first_name", "last_name", "time_zone", "locale", "phone"))


def _text(name: str, value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"{name} must be a string, not {type(value).__name__}")
    value = value.strip()
    if len(value) > max_length or "\x00" in value:
        raise InvalidEvent(f"{name} must be at most {max_length} characters, without NUL")
    return value


def clean_time_zone(value: Any) -> str | None:
    value = _text("time_zone", value, 64)
    if value:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InvalidEvent(f"time_zone {value!r} is not an IANA time zone (e.g. Europe/Paris)") from None
    return value


def clean_locale(value: Any) -> str | None:
    value = _text("locale", value, 16)
    if value and not LOCALE.match(value):
        raise InvalidEvent(f"locale {value!r} must be a language code such as 'fr' or 'fr_CA'")
    return value


def clean_phone(value: Any) -> str | None:
    """E.164 ('+33612345678'); a number must carry its country code."""
    value = _text("phone", value, 40)
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise InvalidEvent(f"phone {value!r} is not a valid number: write it internationally, "
                           f"starting with + and the country code") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidEvent(f"phone {value!r} is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_plain(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int))


def clean_attributes(attributes: Any) -> dict[str, Any]:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidEvent("attributes must be a dict")
    for name in attributes:
        if not isinstance(name, str) or not ATTRIBUTE_NAME.match(name):
            raise InvalidEvent(f"attribute name {name!r} must be snake_case letters, digits and _ "
                               f"(at most 64 characters)")
        if name in RESERVED_NAMES:
            raise InvalidEvent(f"attribute name {name!r} is a contact field: pass it as its own argument")
    if all(_is_plain(value) for value in attributes.values()):
        return dict(attributes)  # already what JSON stores: an import's million cells skip the round trip
    try:
        return plain_properties(attributes)
    except InvalidEvent as exc:
        raise InvalidEvent(str(exc).replace("properties", "attributes")) from None


def clean_contact_data(*, attributes=None, first_name=None, last_name=None, time_zone=None, locale=None,
                       phone=None) -> ContactData:
    """Validate everything first, so bad input writes nothing; raises InvalidEvent."""
    return ContactData(first_name=_text("first_name", first_name, NAME_LENGTH),
                       last_name=_text("last_name", last_name, NAME_LENGTH),
                       time_zone=clean_time_zone(time_zone), locale=clean_locale(locale),
                       phone=clean_phone(phone), attributes=clean_attributes(attributes))


def apply_contact_data(contact: Contact, data: ContactData) -> list[str]:
    """Set `data` on `contact` (not saved); the names of the fields it changed."""
    changed = []
    for name in ("first_name", "last_name", "time_zone", "locale", "phone"):
        value = getattr(data, name)
        if value is not None and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    if data.attributes:
        merged = dict(contact.attributes or {})
        for name, value in data.attributes.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        if merged != contact.attributes:
            contact.attributes = merged
            changed.append("attributes")
    return changed


def update_contact(contact: Contact, data: ContactData) -> None:
    changed = apply_contact_data(contact, data)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])


def identify(email: str, *, attributes: dict[str, Any] | None = None, first_name: str | None = None,
             last_name: str | None = None, time_zone: str | None = None, locale: str | None = None,
             phone: str | None = None) -> Contact:
    """Create or update the contact of `email` with what the host knows.

    Arguments left None are left as they are ('' clears a field);
    `attributes` are merged into the contact's, a None value removing one.
    Raises `drip_plugin.InvalidEvent` on bad input; nothing is written then.
    """
    email = normalise_email(email)
    data = clean_contact_data(attributes=attributes, first_name=first_name, last_name=last_name,
                              time_zone=time_zone, locale=locale, phone=phone)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                # Locked: two concurrent identify() calls merge, neither loses the other's attributes.
                contact = Contact.objects.select_for_update().get(pk=resolve_contact(email=email).pk)
                update_contact(contact, data)
            break
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("contact for %s created concurrently; identifying again", email)
    logger.info("identified contact %s", contact.pk)
    return contact
