"""Which translation of an email a contact gets: their locale, then its
language, then the step's own email."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant

from ..models import Email


def language_candidates(locale: str) -> list[str]:
    """'fr_CA' → ['fr-ca', 'fr']; '' → []."""
    code = (locale or "").strip().lower().replace("_", "-")
    if not code:
        return []
    base = code.split("-", 1)[0]
    return [code] if base == code else [code, base]


class Translations:
    """The live emails sharing a translation_key with a batch's emails, read
    in one query, so a batch of any size and mix of locales costs the same."""

    def __init__(self, emails: Iterable[Email]):
        keys = {email.translation_key for email in emails}
        live = Email.objects.filter(translation_key__in=keys, live=True).select_related("locale")
        self._by_language = {(e.translation_key, e.locale.language_code.lower()): e for e in live}
        # The step's own email as read here carries its locale: no query later.
        self._by_pk = {e.pk: e for e in self._by_language.values()}

    def pick(self, email: Email, locale: str) -> Email:
        for language in language_candidates(locale):
            translation = self._by_language.get((email.translation_key, language))
            if translation is not None:
                return translation
        return self._by_pk.get(email.pk, email)


def email_language(email: Email) -> str:
    """The language an email is written in; the site's default for a new, unsaved one."""
    if getattr(email, "locale_id", None):  # a starter's email has no locale
        return email.locale.language_code
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)
