"""Issue 25, the SMS editor's counter in a real browser: the script counts
every text of the shared table (tests/channels/sms/segment_cases.py) as
segments.py does, and says so live as the editor types in the admin."""
from __future__ import annotations

from dataclasses import asdict

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from drip_plugin.channels.sms.segments import count_segments
from drip_plugin.channels.sms.widgets import SMSBodyTextarea, status_text
from drip_plugin.models import SmsText

from ..channels.sms.segment_cases import CASES
from .test_editor_guardrails import log_in

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


def test_point_browser_sms_editor_with_counter(page, artifacts, django_user_model):
    """The SMS editor in the Wagtail admin: the counter follows each keystroke,
    warns over the cap, the preview shows the merged text, and a draft over the
    cap is saved with a warning. Screenshots: test-artifacts/sms-editor-*.png."""
    log_in(page, django_user_model)
    text = SmsText.objects.create(name="Cart reminder", body="Hi {{ contact.first_name }}", live=True)
    page.goto(f"/admin/snippets/drip_plugin/smstext/edit/{text.pk}/")
    body, status = page.locator("#id_body"), page.locator("[data-drip-sms-status]")
    warning = page.locator("[data-drip-sms-over-cap]")
    # The braces of a merge field are GSM-7 extension characters: 2 septets each.
    expect(status).to_have_text("Characters: 27 · GSM-7 · Segments: 1 (129 left in the last one) · counted as 31")

    body.press("End")
    typed = ", your basket is waiting: {{ cart.restore_url }} Use code [CART10] for 10 % off"
    body.press_sequentially(typed[:10])  # key by key: counted live
    expect(status).to_have_text(status_text(count_segments("Hi {{ contact.first_name }}" + typed[:10])))
    body.press_sequentially(typed[10:])
    message = "Hi {{ contact.first_name }}" + typed
    expect(status).to_have_text(status_text(count_segments(message)))
    expect(status).to_contain_text("counted as")  # [ and ] are two septets each

    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.locator("[data-drip-sms-preview]")).to_contain_text(
        "Hi Ada, your basket is waiting: https://shop.example/cart/restore/sample Use code [CART10] for 10 % off")
    expect(preview.locator("[data-drip-sms-preview-count]")).to_contain_text("GSM-7")
    page.screenshot(path=artifacts / "sms-editor-counter.png")

    body.press_sequentially(" 🛒")
    expect(status).to_contain_text("UCS-2")  # one emoji turns the whole SMS into UCS-2
    expect(warning).to_be_hidden()

    too_long = message + " 🛒" + " Thanks!" * 20
    body.fill(too_long)
    assert count_segments(too_long).segments == 5
    expect(warning).to_have_text("This SMS takes 5 segments, over the cap of 3 per message: shorten it.")
    expect(warning).to_be_visible()
    page.locator("[data-drip-sms-body]").screenshot(path=artifacts / "sms-editor-over-cap.png")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved as a draft with a problem; it cannot be published until it is fixed")).to_be_visible()
    text.refresh_from_db()
    assert text.body == "Hi {{ contact.first_name }}", "the live SMS is unchanged"
