"""Issue 25, the SMS editor's counter in a real browser: the script counts
every text of the shared table (tests/channels/sms/segment_cases.py) as
segments.py does, and says so live as the editor types."""
from __future__ import annotations

from dataclasses import asdict

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from drip_plugin.channels.sms.segments import count_segments
from drip_plugin.channels.sms.widgets import SMSBodyTextarea, status_text

from ..channels.sms.segment_cases import CASES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_widget(page, live_server, value: str = "") -> None:
    """The widget alone on a page, its script served by the live server as in the admin."""
    widget = SMSBodyTextarea()
    page.set_content(f"<html><body><form>{widget.render('body', value, attrs={'id': 'id_body'})}</form>"
                     f"<script src=\"{live_server.url}/static/drip_plugin/sms_counter.js\"></script></body></html>")
    expect(page.locator("[data-drip-sms-status]")).not_to_be_empty()


def test_point_sms_counter_script_counts_the_shared_cases_as_python(page, live_server):
    open_widget(page, live_server)
    counted = page.evaluate("""texts => {
        const rules = JSON.parse(document.querySelector("#id_body").dataset.dripSmsCounter);
        return texts.map(text => window.dripSmsCounter.countSegments(text, rules));
    }""", CASES)
    expected = [asdict(count_segments(text)) for text in CASES]
    mismatches = [(text[:40], got, want) for text, got, want in zip(CASES, counted, expected) if got != want]
    assert not mismatches and len(counted) == len(CASES) > 40


@override_settings(DRIP_PLUGIN={"SMS_MAX_SEGMENTS": 2})
def test_point_sms_counter_says_it_live_and_warns_over_the_cap(page, live_server):
    open_widget(page, live_server, "Hi {{ contact.first_name }}")
    status, warning, body = (page.locator("[data-drip-sms-status]"), page.locator("[data-drip-sms-over-cap]"),
                             page.locator("#id_body"))
    expect(status).to_have_text(status_text(count_segments("Hi {{ contact.first_name }}")))
    for text in ("a" * 160, "a" * 161, "Prix : 20 € {{ cart.total }}", "Thanks 😀", "ç" * 134):
        body.fill(text)
        expect(status).to_have_text(status_text(count_segments(text)))
        expect(warning).to_be_hidden()
    body.fill("ç" * 135)
    expect(status).to_have_text("Characters: 135 · UCS-2 · Segments: 3 (66 left in the last one)")
    expect(warning).to_have_text("This SMS takes 3 segments, over the cap of 2 per message: shorten it.")
    expect(body).to_have_attribute("aria-invalid", "true")
    body.fill("line one\nline two")  # typed line breaks: the value has LF, as the server stores it
    expect(status).to_have_text(status_text(count_segments("line one\nline two")))
    expect(warning).to_be_hidden()
