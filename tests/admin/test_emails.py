"""Issue 7: the Wagtail admin — errors with lines in the form, preview, test send."""
from __future__ import annotations

from django.core import mail
from django.urls import reverse

from drip_plugin.models import Contact, Email, Message
from tests.rendering.test_validation import GOOD


def test_admin_create_email_with_broken_mjml_shows_the_error_with_its_line(editor):
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:add"), {
        "name": "Broken", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": GOOD.replace("</mj-section>", ""),
        "action-publish": "action-publish",
    })
    assert response.status_code == 200
    assert "Line 6: &lt;/mj-body&gt; found but &lt;mj-section&gt; (line 3) is still open" in response.content.decode()
    assert not Email.objects.exists()


def test_admin_email_saves_and_previews_desktop_mobile_text(editor):
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:add"),
                           {"name": "Hello", "subject": "Hi {{ contact.first_name }}", "preheader": "", "layout": "", "body-count": "0", "mjml": GOOD})
    assert response.status_code == 302
    email = Email.objects.get()
    url = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    data = {"name": "Hello", "subject": "Hi {{ contact.first_name }}", "preheader": "", "layout": "", "body-count": "0", "mjml": GOOD}
    assert editor.post(url, data).json()["is_valid"]
    for mode, expected in (("desktop", "Hi Ada"), ("mobile", "375px"), ("text", "Subject: Hi Ada")):
        page = editor.get(url, {"mode": mode}).content.decode()
        assert expected in page, mode


def test_admin_text_preview_shows_markup_characters_as_text(editor):
    # The text part keeps "<" as it is (it is plain text); the preview page must not read it as markup.
    mjml = GOOD.replace("Hi {{ contact.first_name }}", "Sizes &lt;b&gt;S&lt;/b&gt; and M")
    email = Email.objects.create(name="Hello", subject="Hi", mjml=mjml, live=True)
    url = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    assert editor.post(url, {"name": "Hello", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": mjml}).json()["is_valid"]
    page = editor.get(url, {"mode": "text"}).content.decode()
    assert "Sizes &lt;b&gt;S&lt;/b&gt; and M" in page and "<b>" not in page


def test_admin_mobile_preview_escapes_the_whole_email_into_its_frame(editor):
    email = Email.objects.create(name="Hello", subject="Hi", mjml=GOOD, live=True)
    url = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    assert editor.post(url, {"name": "Hello", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": GOOD}).json()["is_valid"]
    page = editor.get(url, {"mode": "mobile"}).content.decode()
    srcdoc = page.split('srcdoc="', 1)[1].split('" style=', 1)[0]
    assert '"' not in srcdoc and "&quot;" in srcdoc and "Hi Ada" in srcdoc


def test_admin_test_send_sends_the_draft_with_test_prefix_and_records_nothing(editor):
    email = Email.objects.create(name="Hello", subject="Hi {{ contact.first_name }}", mjml=GOOD, live=True)
    email.subject = "Draft subject for {{ contact.first_name }}"
    email.save_revision()
    url = reverse("drip_plugin_email_test_send", args=[email.pk])
    assert "editor@shop.test" in editor.get(url).content.decode()
    response = editor.post(url, {"recipients": "a@shop.test, b@shop.test"})
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.subject == "[TEST] Draft subject for Ada" and sent.to == ["a@shop.test", "b@shop.test"]
    assert not Message.objects.exists(), "test sends are not statistics"


def test_point_test_send_is_composed_like_every_message_with_list_unsubscribe_and_list_id(editor):
    email = Email.objects.create(name="Hello", subject="Hi {{ contact.first_name }}", live=True,
                                 mjml=GOOD.replace("</mj-text>", ' <a href="{{ links.unsubscribe }}">Stop</a></mj-text>'))
    assert editor.post(reverse("drip_plugin_email_test_send", args=[email.pk]),
                       {"recipients": "qa@shop.test"}).status_code == 302
    (sent,) = mail.outbox
    test_url = "http://testserver" + reverse("drip_plugin:test_link")
    assert sent.subject == "[TEST] Hi Ada" and sent.tags == ["drip-test"]
    assert sent.extra_headers["List-Unsubscribe"] == f"<{test_url}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.extra_headers["List-Id"] == "Drip test sends <test.drip.shop.test>"
    assert f'href="{test_url}"' in sent.alternatives[0][0]
    assert not Message.objects.exists(), "test sends are not statistics"


def test_point_test_send_link_says_it_was_a_test_and_changes_nothing(client, db):
    from drip_plugin.models import Consent, MessageEvent

    contact = Contact.objects.create(email="qa@shop.test")
    url = reverse("drip_plugin:test_link")
    assert "test" in client.get(url).content.decode()
    one_click = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "nothing" in one_click.content.decode()
    contact.refresh_from_db()
    assert contact.is_subscribed and not contact.opted_out_of.exists()
    assert not (MessageEvent.objects.exists() or Consent.objects.exists())


def test_admin_test_send_rejects_bad_addresses(editor):
    email = Email.objects.create(name="Hello", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("drip_plugin_email_test_send", args=[email.pk]), {"recipients": "nope"})
    assert response.status_code == 200 and mail.outbox == []


def _cart_email_and_real_contact():
    from drip_plugin import track

    track("checkout_updated", email="real@example.com", properties={
        "checkout_id": "c9", "cart": {"checkout_id": "c9", "lines": [{"name": "Real mug"}]}})
    Contact.objects.filter(email="real@example.com").update(first_name="Rita")
    cart_mjml = GOOD.replace("Hi {{ contact.first_name }}",
                             "Hi {{ contact.first_name }}, {% for line in cart.lines %}{{ line.name }};{% endfor %}")
    return Email.objects.create(name="Cart", subject="For {{ contact.first_name }}", mjml=cart_mjml, live=True)


def test_admin_test_send_as_a_real_contact_renders_their_own_cart(editor):
    email = _cart_email_and_real_contact()
    response = editor.post(reverse("drip_plugin_email_test_send", args=[email.pk]),
                           {"recipients": "qa@shop.test", "as_contact": " Real@Example.com "})
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.subject == "[TEST] For Rita" and sent.to == ["qa@shop.test"]
    assert "Real mug;" in sent.alternatives[0][0] and "Linen shirt" not in sent.alternatives[0][0]


def test_admin_test_send_as_an_unknown_contact_is_a_form_error_and_sends_nothing(editor):
    email = _cart_email_and_real_contact()
    response = editor.post(reverse("drip_plugin_email_test_send", args=[email.pk]),
                           {"recipients": "qa@shop.test", "as_contact": "nobody@example.com"})
    assert response.status_code == 200 and mail.outbox == []
    assert "No contact has the address nobody@example.com." in response.content.decode()


def test_admin_test_send_preview_as_a_contact_shows_it_on_the_page_and_sends_nothing(editor):
    email = _cart_email_and_real_contact()
    url = reverse("drip_plugin_email_test_send", args=[email.pk])
    page = editor.post(url, {"recipients": "", "as_contact": "real@example.com", "preview": "1"}).content.decode()
    assert mail.outbox == [] and "Subject: For Rita" in page
    # The email's HTML sits escaped in a sandboxed frame's srcdoc, not in the admin page itself.
    assert 'sandbox srcdoc="&lt;!doctype html&gt;' in page and "Real mug;" in page
    assert "<style type=\"text/css\">" not in page and "<pre>Hi Rita, Real mug;" in page
    sample = editor.post(url, {"recipients": "", "as_contact": "", "preview": "1"}).content.decode()
    assert "Subject: For Ada" in sample and "Linen shirt;" in sample


def test_admin_edit_page_offers_test_send(editor):
    email = Email.objects.create(name="Hello", subject="Hi", mjml=GOOD, live=True)
    page = editor.get(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk])).content.decode()
    assert reverse("drip_plugin_email_test_send", args=[email.pk]) in page


def test_admin_preview_as_a_chosen_real_contact_with_their_own_cart(editor):
    email = _cart_email_and_real_contact()
    cart_mjml = email.mjml
    contact = Contact.objects.get(email="real@example.com")
    assert (f"contact-{contact.pk}", "Desktop, as real@example.com") in [(m, str(label)) for m, label in email.preview_modes]
    url = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    data = {"name": "Cart", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": cart_mjml}
    assert editor.post(url, data).json()["is_valid"]
    page = editor.get(url, {"mode": f"contact-{contact.pk}"}).content.decode()
    assert "Rita" in page and "Real mug;" in page and "Linen shirt" not in page
    sample = editor.get(url, {"mode": "desktop"}).content.decode()
    assert "Ada" in sample and "Linen shirt;" in sample
