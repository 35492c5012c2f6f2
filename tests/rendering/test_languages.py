"""Issue 7: content per language; the contact's locale picks it, with a fallback."""
from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from drip_plugin import track
from drip_plugin.models import Contact
from drip_plugin.scheduling import tick
from tests.conftest import WELCOME_MJML, build_sequence


@pytest.fixture
def welcome_en_fr(db):
    sequence = build_sequence(steps=[(0, "days", "Welcome")])
    english = sequence.steps.get().email
    french = english.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0])
    french.subject, french.mjml = "Bienvenue", WELCOME_MJML.replace("welcome to the shop", "bienvenue")
    french.live = True
    french.save()
    return english, french


def send_to(*locales: str) -> dict[str, str]:
    for number, locale in enumerate(locales):
        contact = Contact.objects.create(email=f"c{number}@example.com", locale=locale)
        track("signed_up", email=contact.email)
    tick()
    return {m.to[0]: m.subject for m in mail.outbox}


def test_languages_french_contact_gets_the_french_content(welcome_en_fr, clock):
    assert send_to("fr", "en") == {"c0@example.com": "Bienvenue", "c1@example.com": "Welcome"}
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert "bienvenue!" in html["c0@example.com"] and "welcome to the shop!" in html["c1@example.com"]


@pytest.mark.parametrize(("locale", "subject"), [("fr-CA", "Bienvenue"), ("fr_FR", "Bienvenue"), ("FR", "Bienvenue"),
                                                 ("de", "Welcome"), ("", "Welcome")])
def test_languages_region_falls_back_to_the_language_then_to_the_default(welcome_en_fr, clock, locale, subject):
    assert send_to(locale) == {"c0@example.com": subject}


def test_languages_unpublished_translation_is_never_used(welcome_en_fr, clock):
    english, french = welcome_en_fr
    french.live = False
    french.save()
    assert send_to("fr") == {"c0@example.com": "Welcome"}


def test_languages_one_query_for_the_translations_of_a_whole_batch(welcome_en_fr, clock):
    def email_reads(*locales):
        Contact.objects.all().delete()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            subjects = send_to(*locales)
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "drip_plugin_email"' in q["sql"]]
        return subjects, len(reads)

    few, few_reads = email_reads("fr", "en")
    many, many_reads = email_reads("fr", "en", "fr-CA", "de", "fr", "en")
    assert sorted(many.values()) == ["Bienvenue"] * 3 + ["Welcome"] * 3
    assert few_reads == many_reads >= 1
