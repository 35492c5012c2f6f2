"""Issue 24, French: every drip admin page and the public pages, walked in a
real browser by an admin whose Wagtail language is French, show no message of
drip's catalogue left in English (editor content excluded). Screenshots of
the French admin and preference centre are kept in test-artifacts/."""
from __future__ import annotations

import re

import pytest
from django.utils import timezone
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from drip_plugin import track
from drip_plugin.links.signed import EmailLinks
from drip_plugin.models import Contact, Layout, Message
from drip_plugin.scheduling import tick
from tests.factories import build_sequence
from tests.test_i18n import CATALOGUE, SAME_IN_FRENCH, messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrfg]|%[sd]|<[^>]+>|\{\{[^}]*\}\}")
# A whole sentence (or its longest literal part) is found inside a text; a
# short message only as a whole text of its own, so French words that merely
# contain it ("Total" in "Totalement") are not taken for it.
SENTENCE = 20

# All of the page's visible text nodes and its labelling attributes, outside
# the editor's own content (iframes of email previews, form field values) and
# identifiers shown as code (event names); elements marked hidden (Wagtail's
# side panel counter holds a bare "None" there).
TEXTS_JS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest('script, style, textarea, iframe, code, [hidden], [data-editor-content], .CodeMirror')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) texts.push(text);
  }
  for (const element of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
    for (const name of ['aria-label', 'title', 'placeholder']) {
      const value = element.getAttribute(name);
      if (value) texts.push(value.trim());
    }
  }
  return texts;
}"""


def english_messages() -> tuple[set[str], list[str]]:
    """(short messages, literal parts of sentences) of the catalogue that differ in French."""
    short, sentences = set(), []
    for message in messages(CATALOGUE):
        for english in ([message.id] if isinstance(message.id, str) else message.id):
            if english.lower() in SAME_IN_FRENCH:
                continue
            parts = [part.strip(" :;,.()“”") for part in PLACEHOLDER.split(english)]
            longest = max(parts, key=len)
            if len(longest) >= SENTENCE:
                sentences.append(longest)
            elif not PLACEHOLDER.search(english):
                short.add(english.strip())
    return short, sentences


def english_left(texts: list[str], editor_content: set[str]) -> list[str]:
    short, sentences = english_messages()
    texts = [text for text in texts if text not in editor_content]
    found = [text for text in texts if text in short]
    found += [sentence for sentence in sentences if any(sentence in text for text in texts)]
    return sorted(set(found))


@pytest.fixture
def shop(django_user_model):
    """A French-speaking admin and a French contact who got an email."""
    admin = django_user_model.objects.create_superuser("claire", "claire@shop.test", "secret-pw")
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "fr"
    profile.save()
    Layout.objects.create(name="Maison", shop_name="Boutique Lumière")
    sequence = build_sequence(name="Printemps", steps=[(0, "days", "Bonjour {{ contact.first_name }}")])
    french = sequence.steps.get().email.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0])
    french.save()
    french.save_revision().publish()  # the email goes out in French
    Contact.objects.create(email="amelie@example.com", first_name="Amélie", locale="fr")
    track("signed_up", email="amelie@example.com")
    tick()
    message = Message.objects.get(to_email="amelie@example.com")
    assert message.language == "fr"
    return {"sequence": sequence, "email": sequence.steps.get().email, "message": message,
            "contact": message.enrollment.contact}


def admin_pages(shop) -> dict[str, str]:
    sequence, email, contact = shop["sequence"], shop["email"], shop["contact"]
    return {
        "sequences": "/admin/snippets/drip_plugin/sequence/",
        "sequence-edit": f"/admin/snippets/drip_plugin/sequence/edit/{sequence.pk}/",
        "sequence-add": "/admin/snippets/drip_plugin/sequence/add/",
        "emails": "/admin/snippets/drip_plugin/email/",
        "email-edit": f"/admin/snippets/drip_plugin/email/edit/{email.pk}/",
        "date-rules": "/admin/snippets/drip_plugin/daterule/",
        "date-rule-add": "/admin/snippets/drip_plugin/daterule/add/",
        "layouts": "/admin/snippets/drip_plugin/layout/",
        "layout-add": "/admin/snippets/drip_plugin/layout/add/",
        "contacts": "/admin/drip_contacts/",
        "contact": f"/admin/drip_contacts/inspect/{contact.pk}/",
        "contact-edit": f"/admin/drip_contacts/edit/{contact.pk}/",
        "contact-erase": f"/admin/drip_contacts/{contact.pk}/erase/",
        "contact-import": "/admin/drip/contacts/import/",
        "test-send": f"/admin/drip/emails/{email.pk}/test-send/",
        "starters": "/admin/drip/starters/",
        "simulate": "/admin/drip/simulate/",
        "report": "/admin/drip/report/",
        "sequence-report": f"/admin/drip/report/{sequence.pk}/",
        "sequence-map": f"/admin/drip/sequences/{sequence.pk}/map/",
        "failed": "/admin/drip/failed/",
    }


@pytest.fixture
def page(chromium, live_server):
    """A browser asking for French (Accept-Language), for pages without a contact."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000},
                                   locale="fr-FR")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else route.abort())
    yield context.new_page()
    context.close()


def test_point1_every_drip_admin_page_and_public_page_in_french_shows_no_english_message(page, artifacts, shop):
    page.goto("/admin/login/?next=/admin/snippets/drip_plugin/email/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "secret-pw")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/snippets/drip_plugin/email/")
    editor_content = {"Printemps", "Printemps #1", "Bonjour {{ contact.first_name }}", "Maison", "Boutique Lumière",
                      "amelie@example.com", "Amélie"}
    left = {}
    for name, url in admin_pages(shop).items():
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        assert page.locator("html").get_attribute("lang") == "fr", name
        if found := english_left(page.evaluate(TEXTS_JS), editor_content):
            left[name] = found
        if name in ("sequence-edit", "report", "sequence-map", "starters"):
            page.screenshot(path=artifacts / f"french-admin-{name}.png", full_page=True)

    links = EmailLinks().for_templates(shop["message"])
    for name, url in {"preferences": links["preferences"], "invalid-link": "/drip/unsubscribe/not-a-token/",
                      "test-link": "/drip/test-link/"}.items():
        page.context.clear_cookies()  # as the contact, not logged in
        page.goto(url.replace("http://testserver", ""))
        assert page.locator("html").get_attribute("lang") == "fr", name
        if found := english_left(page.evaluate(TEXTS_JS), editor_content):
            left[name] = found
        if name == "preferences":
            page.screenshot(path=artifacts / "french-preference-centre.png", full_page=True)
    assert left == {}
