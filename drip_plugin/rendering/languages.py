"""Which translation of an email a contact gets: their locale, then its
language, then the step's own email (the default locale)."""
from __future__ import annotations

from collections.abc import Iterable

from ..models import Email


def language_candidates(locale: str) -> list[str]:
    """'fr_CA' → ['fr-ca', 'fr']; '' → []."""
    code = (locale or "").strip().lower().replace("_", "-")
    if not code:
        return []
    base = code.split("-", 1)[0]
    return [code] if base == code else [code, base]


class Translations:
    """The live translations of a batch's emails, read in one query."""

    def __init__(self, emails: Iterable[Email]):
        keys = {email.translation_key for email in emails}
        live = Email.objects.filter(translation_key__in=keys, live=True).select_related("locale")
        self._by_language = {(e.translation_key, e.locale.language_code.lower()): e for e in live}

    def pick(self, email: Email, locale: str) -> Email:
        for language in language_candidates(locale):
            translation = self._by_language.get((email.translation_key, language))
            if translation is not None:
                return translation
        return email
