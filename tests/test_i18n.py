"""Issue 24, French: a complete, current catalogue; pages from an email speak
its language; money and dates in emails written for their reader."""
from __future__ import annotations

import datetime as dt
import gettext
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core import mail
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import translation
from wagtail.models import Locale

import dev

from drip_plugin import track
from drip_plugin.links.signed import EmailLinks
from drip_plugin.models import Contact, Email, Message
from drip_plugin.rendering import render_email
from drip_plugin.rendering.library import ALLOWED_FILTERS
from drip_plugin.rendering.preview import sample_merge_context
from drip_plugin.rendering.validation import email_problems
from drip_plugin.scheduling import tick
from drip_plugin.starters import create_from_starter, get_starter
from tests.factories import build_sequence

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "drip_plugin"
CATALOGUE = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Words written the same in French (compared case-insensitively); any other
# msgid whose msgstr equals it is an untranslated message. Documented in the
# README ("Translations").
SAME_IN_FRENCH = {"contact", "contacts", "conversions", "csv", "date", "description", "drip", "email", "emails",
                  "excel (xlsx)", "active", "inactive", "message", "minutes", "mobile", "sms", "source",
                  "type"}


def messages(path: Path) -> list:
    with path.open("rb") as handle:
        return [message for message in read_po(handle, locale="fr") if message.id]


def msgids(path: Path) -> set:
    return {message.id if isinstance(message.id, str) else tuple(message.id) for message in messages(path)}


def test_point1_committed_catalogue_is_current_with_the_code(tmp_path):
    """makemessages over a copy of the package finds no msgid the committed
    catalogue lacks (nor keeps one the code no longer has)."""
    copy = tmp_path / "drip_plugin"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules"))
    dev.make_messages(copy)  # what `python3 dev.py messages` runs
    regenerated, committed = msgids(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"), msgids(CATALOGUE)
    assert regenerated - committed == set(), "new strings: run python3 dev.py messages and translate them"
    assert committed - regenerated == set(), "stale strings: run python3 dev.py messages"


def test_point1_every_msgid_has_a_french_msgstr_not_equal_to_it():
    found = messages(CATALOGUE)
    assert len(found) > 500  # the admin, public pages, checks, commands and starters
    problems = []
    for message in found:
        singular = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {singular!r}")
        elif not all(strings):
            problems.append(f"untranslated: {singular!r}")
        elif strings[0] == singular and singular.lower() not in SAME_IN_FRENCH:
            problems.append(f"msgstr equal to the msgid: {singular!r}")
    assert problems == []


def test_point1_compiled_mo_matches_the_catalogue():
    """The .mo shipped is the .po compiled (sdist and wheel carry both)."""
    with (CATALOGUE.with_suffix(".mo")).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in messages(CATALOGUE):
        context = () if message.context is None else (message.context,)  # pgettext for a msgctxt entry
        if isinstance(message.id, str):
            lookup = compiled.pgettext if context else compiled.gettext
            assert lookup(*context, message.id) == message.string, message.id
        else:
            lookup = compiled.npgettext if context else compiled.ngettext
            assert lookup(*context, *message.id, 1) == message.string[0], message.id
            assert lookup(*context, *message.id, 5) == message.string[1], message.id


def test_point1_system_checks_and_commands_speak_french(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "POSTAL_ADDRESS": ""}
    with translation.override("fr"):
        postal = [c for c in run_checks() if c.id == "drip_plugin.E007"]
        assert postal and postal[0].msg == "Aucune adresse postale n’est configurée pour le pied des emails marketing."
        from io import StringIO
        out = StringIO()
        call_command("drip_tick", stdout=out)
    assert out.getvalue().startswith("inscriptions avancées : 0, envoyés : 0")


# -- Starters in French and English -------------------------------------------------------------

@pytest.mark.parametrize("language, words", [
    ("en", ("You left something in your cart", "Back to my cart", "Unsubscribe", "Email preferences", "€49.00")),
    ("fr", ("Vous avez oublié quelque chose dans votre panier", "Retrouver mon panier", "Se désinscrire",
            "Préférences d’email", "49,00\xa0€")),
])
def test_point4_cart_starter_in_each_language(language, words):
    starter_email = get_starter("cart_abandonment").steps[0].email
    assert email_problems(starter_email.mjml_in(language), starter_email.subject_in(language)) == {}
    with translation.override(language):
        rendered = render_email(starter_email, sample_merge_context(), language=language)
    for word in words:
        assert word in rendered.subject + rendered.html, word


def test_point4_starter_creates_a_french_translation_of_each_email(db):
    Locale.objects.get_or_create(language_code="fr")
    sequence, created = create_from_starter(get_starter("welcome"))
    assert created and sequence.name == "Welcome series"  # the site's default language
    for step in sequence.steps.order_by("sort_order"):
        french = Email.objects.get(translation_key=step.email.translation_key, locale__language_code="fr")
        assert not french.live and french.latest_revision_id
        assert french.name == step.email.name
        assert "Bienvenue" in french.subject or "Besoin" in french.subject or "Profiter" in french.subject
        assert "Se désinscrire" in french.mjml and "Unsubscribe" in step.email.mjml


# -- Money and dates in the email's language ------------------------------------------------------

MONEY_MJML = """<mjml><mj-body><mj-section><mj-column><mj-text>
Total {{ event.cart.total|money:event.cart.currency }} due {{ event.due|local_date }}, {{ event.due|local_date:"full" }}
</mj-text></mj-column></mj-section></mj-body></mjml>"""


def test_point6_money_and_date_filters_are_in_the_sandbox_allow_list():
    assert {"money", "local_date"} <= set(ALLOWED_FILTERS)
    assert email_problems(MONEY_MJML, "{{ event.cart.total|money:event.cart.currency }}") == {}


@pytest.mark.parametrize("language, total, dates", [
    ("fr", "49,90\xa0€", ("due 2 mars 2026", "lundi 2 mars 2026")),
    ("en", "€49.90", ("due March 2, 2026", "Monday, March 2, 2026")),
])
def test_point6_money_and_dates_in_a_sent_email_follow_its_language(db, language, total, dates):
    """49.90 EUR from the event → '49,90 €' in the French email, '€49.90' in the English one."""
    english = build_sequence(steps=[(0, "days", "Total {{ event.cart.total|money:event.cart.currency }}")],
                             mjml=MONEY_MJML).steps.get().email
    french = english.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0])
    french.save()
    french.save_revision().publish()
    Contact.objects.create(email="c@example.com", locale=language)
    track("signed_up", email="c@example.com",
          properties={"cart": {"total": "49.90", "currency": "EUR", "lines": []}, "due": "2026-03-02T10:00:00Z"})
    tick()
    [sent] = mail.outbox
    html = sent.alternatives[0][0]
    assert sent.subject == f"Total {total}".replace("\xa0", " ")  # a subject is on one line, plain spaces
    assert f"Total {total}" in html and all(text in html for text in dates)


def test_point6_money_without_currency_or_number_degrades_plainly():
    from drip_plugin.rendering.formats import local_date, money

    with translation.override("fr"):
        assert (money("1234.5"), money("n/a", "EUR"), local_date("soon")) == ("1\u202f234,50", "n/a", "soon")
        assert money(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)
        assert local_date(dt.datetime(2026, 12, 24, 23, 0), "full") == "jeudi 24 décembre 2026"


# -- Public pages in the language the email went out in -------------------------------------------

def preferences_page(client, message: Message):
    return client.get(EmailLinks().for_templates(message)["preferences"].replace("http://testserver", ""))


def test_point5_preference_centre_speaks_the_language_the_email_went_out_in(db, client):
    english = build_sequence(steps=[(0, "days", "Hello")]).steps.get().email
    french = english.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0])
    french.subject = "Bonjour"
    french.save()
    french.save_revision().publish()
    Contact.objects.create(email="fr@example.com", locale="fr")
    Contact.objects.create(email="en@example.com", locale="en")
    for address in ("fr@example.com", "en@example.com"):
        track("signed_up", email=address)
    tick()
    sent_fr, sent_en = (Message.objects.get(to_email=a) for a in ("fr@example.com", "en@example.com"))
    assert (sent_fr.language, sent_en.language) == ("fr", "en")
    page = preferences_page(client, sent_fr).content.decode()
    assert '<html lang="fr">' in page and "Préférences d’email" in page and "Me désinscrire de tout" in page
    page = preferences_page(client, sent_en).content.decode()
    assert '<html lang="en">' in page and "Unsubscribe from everything" in page
    # The email went out in French: the page stays French after the contact's locale changes.
    Contact.objects.filter(email="fr@example.com").update(locale="en")
    response = client.post(EmailLinks().for_templates(sent_fr)["unsubscribe"].replace("http://testserver", ""),
                           {"List-Unsubscribe": "One-Click"})
    assert "Vous êtes désinscrit" in response.content.decode()
