"""Issue 17, "Wagtail-native everywhere": every drip admin page, opened by a
superuser, has Wagtail's header — a non-empty title and breadcrumbs."""
from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from drip_plugin.models import Contact, ContactImport, DateRule, Email, Layout, Sequence

from ..factories import build_sequence

# Endpoints that are not pages: JSON, files, previews inside the editor, choosers and workflow dialogs (modal JSON).
# Listing results (the listing's AJAX part) and copy/lock actions are parts of pages, not pages.
NOT_PAGES = re.compile(r"preview|chooser|export|download|json|autosave|action-menu|:unpublish|:workflow|:confirm_workflow|:collect_workflow|revisions_"
                       r"|results|:lock|:unlock|:copy")


def drip_url_names(resolver=None, namespace="") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += drip_url_names(entry, inner)
        elif entry.name and "drip" in f"{namespace}{entry.name}":
            found.append((f"{namespace}{entry.name}", entry))
    return found


@pytest.fixture
def objects(db):
    sequence = build_sequence()
    return {
        "sequence": sequence.pk, "email": Email.objects.first().pk,
        "layout": Layout.objects.create(name="Brand", shop_name="Shop").pk,
        "daterule": DateRule.objects.create(name="Anniversary", event_name="anniversary", source="contact.birthday").pk,
        # Before "contact": the first key found in a URL's name gives its pk.
        "contact_import": ContactImport.objects.create(file_name="people.csv", stored_name="x.csv", dry_run=True).pk,
        "contact": Contact.objects.create(email="ada@shop.test").pk,
    }


def url_for(name: str, pattern: URLPattern, objects: dict) -> str | None:
    params = set(pattern.pattern.converters)
    if params - {"pk"}:
        return None
    if not params:
        return reverse(name)
    model = next((key for key in objects if key in name.replace("date_rule", "daterule")), None)
    return reverse(name, kwargs={"pk": objects[model]}) if model else None


def test_every_drip_admin_page_has_a_title_and_breadcrumbs(admin_client, objects):
    pages, missing = [], []
    for name, pattern in drip_url_names():
        url = None if NOT_PAGES.search(name) else url_for(name, pattern, objects)
        if url is None or not url.startswith("/admin/"):
            continue
        response = admin_client.get(url)
        if response.status_code in (302, 405):
            continue  # an action, not a page
        assert response.status_code == 200, (name, url, response.status_code)
        html = response.content.decode()
        # Wagtail's title: an <h1> (visually hidden in slim headers), or the edit views' header title.
        titles = re.findall(r'<h1[^>]*>(.*?)</h1>|<h2[^>]*id="header-title"[^>]*>(.*?)</h2>', html, re.S)
        if not any(re.sub(r"<[^>]+>|\s", "", "".join(title)) for title in titles):
            missing.append(f"{name} ({url}): no page title")
        # Wagtail's own delete confirmations have a plain header by design.
        if 'aria-label="Breadcrumb"' not in html and not name.endswith(":delete"):
            missing.append(f"{name} ({url}): no breadcrumbs")
        pages.append(name)
    assert not missing, "\n".join(missing)
    assert len(pages) >= 15, pages  # the walk reached the pages, not just a few


def test_listings_show_status_tags_and_the_emails_language_not_true_false(admin_client, objects):
    emails = admin_client.get(reverse("wagtailsnippets_drip_plugin_email:list")).content.decode()
    assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*Language", emails), "a Language column"
    assert re.search(r'<span class="w-status w-status--label">\s*English\s*</span>', emails), "each email's language"
    for url in (reverse("wagtailsnippets_drip_plugin_sequence:list"), reverse("wagtailsnippets_drip_plugin_email:list"),
                reverse("wagtailsnippets_drip_plugin_daterule:list"), reverse("drip_contacts:index")):
        html = admin_client.get(url).content.decode()
        cells = re.findall(r"<td[^>]*>\s*(True|False)\s*</td>", html)
        assert cells == [], f"{url} shows {cells}"
        assert "w-status" in html, f"{url} has no status tag"
