"""Issue 25, the SMS editor in the admin: the body's counter, the segment cap
(a draft may be saved over it with a warning, publishing is refused with a
form error, as an email's MJML errors), preview and the test-send page."""
from __future__ import annotations

import html

from django.test import override_settings
from django.urls import reverse

from drip_plugin.models import Contact, SmsText

OVER_CAP = "This SMS takes 4 segments, over the cap of 3 per message: shorten it."
LONG = "a" * (153 * 3 + 1)


def edit_url(text: SmsText) -> str:
    return reverse("wagtailsnippets_drip_plugin_smstext:edit", args=[text.pk])


def test_point_sms_editor_body_has_the_counter(editor):
    text = SmsText.objects.create(name="Cart", body="Hi {{ contact.first_name }} 😀", live=True)
    page = html.unescape(editor.get(edit_url(text)).content.decode())
    assert "/static/drip_plugin/sms_counter.js" in page and "data-drip-sms-counter" in page
    assert "Characters: 29 · UCS-2 · Segments: 1 (40 left in the last one) · counted as 30" in page
    assert reverse("drip_plugin_sms_test_send", args=[text.pk]) in page, "Send a test… in the actions menu"


def test_point_sms_draft_over_the_cap_is_saved_with_a_warning(editor):
    text = SmsText.objects.create(name="Cart", body="Hi", live=True)
    response = editor.post(edit_url(text), {"name": "Cart", "body": LONG}, follow=True)
    assert response.status_code == 200
    assert f"Saved as a draft with a problem; it cannot be published until it is fixed: {OVER_CAP}" in \
        html.unescape(response.content.decode())
    text.refresh_from_db()
    assert text.body == "Hi" and text.get_latest_revision_as_object().body == LONG, "the live text is unchanged"


def test_point_sms_over_the_cap_cannot_be_published(editor):
    text = SmsText.objects.create(name="Cart", body="Hi", live=True)
    response = editor.post(edit_url(text), {"name": "Cart", "body": LONG, "action-publish": "action-publish"})
    assert response.status_code == 200 and OVER_CAP in html.unescape(response.content.decode())
    text.refresh_from_db()
    assert text.body == "Hi"
    with override_settings(DRIP_PLUGIN={"SMS_MAX_SEGMENTS": 4}):
        published = editor.post(edit_url(text), {"name": "Cart", "body": LONG, "action-publish": "action-publish"})
    assert published.status_code == 302
    text.refresh_from_db()
    assert text.body == LONG and text.live


def test_point_sms_body_posted_with_crlf_is_stored_and_counted_with_lf(editor):
    response = editor.post(reverse("wagtailsnippets_drip_plugin_smstext:add"),
                           {"name": "Lines", "body": "one\r\ntwo", "action-publish": "action-publish"})
    assert response.status_code == 302
    assert SmsText.objects.get().body == "one\ntwo"


def test_point_sms_preview_in_the_editor_as_the_sample_or_a_real_contact(editor):
    text = SmsText.objects.create(name="Cart", body="Hi", live=True)
    contact = Contact.objects.create(email="zoe@example.com", first_name="Zoë", phone="+33612345678")
    url = reverse("wagtailsnippets_drip_plugin_smstext:preview_on_edit", args=[text.pk])
    assert editor.post(url, {"name": "Cart", "body": "Hi {{ contact.first_name }} <b>{{ cart.total }}</b>"}
                       ).json()["is_valid"]
    sample = editor.get(url, {"mode": "sample"}).content.decode()
    assert "Hi Ada &lt;b&gt;86.00&lt;/b&gt;" in sample and "<b>" not in sample, "the SMS shows as text"
    assert "Characters: 19 · GSM-7 · Segments: 1 (141 left in the last one)" in html.unescape(sample)
    real = html.unescape(editor.get(url, {"mode": f"contact-{contact.pk}"}).content.decode())
    assert "Hi Zoë" in real and "UCS-2" in real


def test_point_sms_test_send_page_previews_without_sending(editor):
    text = SmsText.objects.create(name="Cart", body="Live text", live=True)
    text.body = "Draft for {{ contact.first_name }}"
    text.save_revision()
    url = reverse("drip_plugin_sms_test_send", args=[text.pk])
    page = html.unescape(editor.post(url, {"phone": "", "as_contact": "", "preview": "1"}).content.decode())
    assert "Draft for Ada" in page and "Characters: 13 · GSM-7" in page


def test_point_sms_test_send_needs_a_valid_phone(editor):
    text = SmsText.objects.create(name="Cart", body="Hi", live=True)
    url = reverse("drip_plugin_sms_test_send", args=[text.pk])
    assert "Give the phone number the test goes to." in editor.post(url, {"phone": ""}).content.decode()
    assert "is not a valid number" in editor.post(url, {"phone": "12"}).content.decode()


def test_point_sms_test_send_without_a_provider_says_why_instead_of_a_500(editor):
    text = SmsText.objects.create(name="Cart", body="Hi", live=True)
    url = reverse("drip_plugin_sms_test_send", args=[text.pk])
    response = editor.post(url, {"phone": "+33612345678"})
    assert response.status_code == 200
    assert "The SMS provider refused the test send: no SMS sender for FR: set SMS_SENDERS[&#x27;&#x27;]" in \
        response.content.decode()
    with override_settings(DRIP_PLUGIN={"SMS_SENDERS": {"": "+15005550006"}}):
        response = editor.post(url, {"phone": "+33612345678"})
    assert "The SMS provider refused the test send: SMS needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in \
        response.content.decode()
