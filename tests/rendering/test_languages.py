"""Issue 7: content per language; the contact's locale picks it, with a fallback."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Locale

from drip_plugin import track
from drip_plugin.engine.simulate import SimulatedEvent, simulate
from drip_plugin.engine.transfer import export_yaml, import_yaml
from drip_plugin.models import Contact, Email, Message
from drip_plugin.rendering import render_email
from drip_plugin.rendering.languages import Translations
from drip_plugin.rendering.preview import preview_context, sample_merge_context
from drip_plugin.scheduling import tick
from tests.factories import WELCOME_MJML, build_sequence


def french() -> Locale:
    return Locale.objects.get_or_create(language_code="fr")[0]


def translate(email: Email, *, publish: bool = True) -> Email:
    """A French copy, saved as an editor would: a revision, published or not."""
    copy = email.copy_for_translation(french())
    copy.subject, copy.mjml = "Bienvenue", WELCOME_MJML.replace("welcome to the shop", "bienvenue")
    copy.live = False
    copy.save()
    revision = copy.save_revision()
    if publish:
        revision.publish()
    return copy


@pytest.fixture
def welcome(db):
    """A one-step sequence whose email (English, the default locale) has a live French translation."""
    english = build_sequence(steps=[(0, "days", "Welcome")]).steps.get().email
    return english, translate(english)


def email_html(email: Email) -> str:
    return render_email(email, sample_merge_context()).html


def sign_up(*locales: str) -> None:
    for number, locale in enumerate(locales):
        Contact.objects.create(email=f"c{number}@example.com", locale=locale)
        track("signed_up", email=f"c{number}@example.com")


def send_to(*locales: str) -> dict[str, str]:
    sign_up(*locales)
    tick()
    return {m.to[0]: m.subject for m in mail.outbox}


def test_languages_fr_contact_gets_the_fr_content_and_the_message_records_it(welcome, clock):
    assert send_to("fr", "en") == {"c0@example.com": "Bienvenue", "c1@example.com": "Welcome"}
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert "bienvenue!" in html["c0@example.com"] and "welcome to the shop!" in html["c1@example.com"]
    assert dict(Message.objects.values_list("to_email", "language")) == {"c0@example.com": "fr",
                                                                         "c1@example.com": "en"}


def test_languages_each_email_declares_its_language_to_screen_readers(welcome, clock):
    send_to("fr", "en")
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert html["c0@example.com"].startswith('<!doctype html><html lang="fr"')
    assert html["c1@example.com"].startswith('<!doctype html><html lang="en"')
    english, _ = welcome
    english.mjml = english.mjml.replace("<mjml>", '<mjml lang="en-GB">')  # a developer's own choice stays
    assert '<html lang="en-GB"' in email_html(english)


@pytest.mark.parametrize("locale", ["fr-CA", "fr-FR", "fr_BE", "FR"])
def test_languages_fr_ca_falls_back_to_fr(welcome, clock, locale):
    assert send_to(locale) == {"c0@example.com": "Bienvenue"}


@pytest.mark.parametrize("locale", ["de", "de-AT", ""])
def test_languages_de_falls_back_to_the_steps_own_email(welcome, clock, locale):
    assert send_to(locale) == {"c0@example.com": "Welcome"}
    assert Message.objects.get().language == "en"


def test_languages_unpublished_translation_is_never_used(db, clock):
    english = build_sequence(steps=[(0, "days", "Welcome")]).steps.get().email
    draft = translate(english, publish=False)
    assert send_to("fr") == {"c0@example.com": "Welcome"}
    draft.get_latest_revision().publish()
    mail.outbox.clear()
    Contact.objects.all().delete()
    assert send_to("fr") == {"c0@example.com": "Bienvenue"}


def test_languages_no_extra_query_per_message_in_a_batch_of_mixed_locales(welcome, clock):
    def tick_queries(*locales: str) -> tuple[int, int]:
        """(all reads, reads of emails or locales) of one tick sending to `locales`.
        Writes are left out: how many rounds record the outcomes depends on
        which concurrent sends finish together."""
        Contact.objects.all().delete()
        sign_up(*locales)
        with CaptureQueriesContext(connection) as queries:
            assert tick().sent == len(locales)
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        translation_reads = [sql for sql in reads if '"drip_plugin_email"' in sql or '"wagtailcore_locale"' in sql]
        return len(reads), len(translation_reads)

    two_mixed = tick_queries("fr", "en")
    one_language = tick_queries("en", "en", "en", "en", "en", "en")
    six_mixed = tick_queries("fr", "en", "fr-CA", "de", "fr", "")
    assert six_mixed == one_language  # a contact's language costs nothing
    assert six_mixed[1] == two_mixed[1]  # translations are read once per batch, not per message
    assert sorted(m.subject for m in mail.outbox[-6:]) == ["Bienvenue"] * 3 + ["Welcome"] * 3


def test_languages_translate_in_the_admin_starts_an_unpublished_draft_then_publish_uses_it(db, admin_client, clock):
    english = build_sequence(steps=[(0, "days", "Welcome")]).steps.get().email
    url = reverse("simple_translation:submit_snippet_translation", args=["drip_plugin", "email", english.pk])
    assert admin_client.post(url, {"locales": [french().pk]}).status_code == 302
    copy = english.get_translation(french())
    assert not copy.live and copy.live_revision is None
    assert send_to("fr") == {"c0@example.com": "Welcome"}
    edit = reverse("wagtailsnippets_drip_plugin_email:edit", args=[copy.pk])
    form = admin_client.get(edit).context["form"]
    data = {**{name: form[name].value() or "" for name in ("name", "preheader", "mjml")},
            "subject": "Bienvenue", "body-count": "0", "action-publish": "publish"}
    assert admin_client.post(edit, data).status_code == 302
    Contact.objects.all().delete()
    mail.outbox.clear()
    assert send_to("fr") == {"c0@example.com": "Bienvenue"}


def test_languages_translations_pick_the_live_translation_for_one_message(welcome):
    english, french_email = welcome
    assert Translations([english]).pick(english, "fr-CA") == french_email
    assert Translations([french_email]).pick(french_email, "en-GB") == english  # from whichever email a step points at
    assert Translations([english]).pick(english, "de") == english


def test_languages_preview_of_a_translation_renders_for_a_contact_of_its_language(welcome):
    english, french_email = welcome
    french_email.mjml = french_email.mjml.replace("bienvenue!", "bienvenue ({{ contact.locale }})!")
    assert "bienvenue (fr)!" in preview_context(french_email, "desktop")["email"].html


def test_languages_simulator_shows_the_subject_a_fr_contact_would_get(welcome, clock):
    Contact.objects.create(email="marie@example.fr", locale="fr")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    timeline = simulate([SimulatedEvent(start, "signed_up", "marie@example.fr", {})],
                        until=start + dt.timedelta(days=1))
    assert any("“Bienvenue”" in entry.what for entry in timeline)


def test_languages_import_points_steps_at_the_default_locale_email_of_a_shared_name(db):
    # Written in French first (lower pk), then translated into English, the default locale.
    sequence = build_sequence(steps=[(0, "days", "Bienvenue")])
    written_in_french = sequence.steps.get().email
    Email.objects.filter(pk=written_in_french.pk).update(locale=french())
    written_in_french.refresh_from_db()
    english = written_in_french.copy_for_translation(Locale.get_default())
    english.save()
    sequence.steps.update(email=english)
    text = export_yaml([sequence])
    sequence.delete()
    (imported,) = import_yaml(text)
    assert imported.get_latest_revision_as_object().steps.get().email == english


def test_languages_web_version_stays_in_the_language_the_email_went_out_in(welcome, clock, client):
    import re as regex

    for email in Email.objects.all():  # as stored: the fixture's French copy in memory still says live=False
        email.mjml = email.mjml.replace("</mj-column>", '<mj-text><a href="{{ links.view_in_browser }}">web</a></mj-text></mj-column>', 1)
        email.save()
    send_to("fr")
    (path,) = regex.findall(r'href="http://testserver(/drip/view/[^"]+)"', mail.outbox[0].alternatives[0][0])
    Contact.objects.update(locale="en")  # the contact switched language since
    assert "bienvenue!" in client.get(path).content.decode()
