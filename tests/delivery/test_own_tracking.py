"""Issue 6: own open pixel and signed click redirect (no open redirect); off switch."""
from __future__ import annotations

import re

from django.core import mail

from drip_plugin import track
from drip_plugin.models import Message, MessageEvent
from drip_plugin.scheduling import tick
from tests.factories import build_sequence, sent_message


def sent_html():
    sent_message("t@example.com", [(0, "days", "Hi")])
    return mail.outbox[0].alternatives[0][0]


def test_click_redirects_only_to_the_emails_own_link_and_records_it(db, clock, client, settings):
    # A web font's stylesheet <link> (MJML's default font is Ubuntu) must stay as it is.
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WEB_FONTS": {"Ubuntu": "https://fonts.googleapis.com/css?family=Ubuntu"}}
    html = sent_html()
    (link,) = set(re.findall(r'href="http://testserver(/drip/c/[^"]+)"', html))
    assert 'href="https://fonts.googleapis.com/' in html, "stylesheet <link>s are not click-tracked"
    response = client.get(link)
    assert (response.status_code, response["Location"]) == (302, "https://shop.test/start")
    event = MessageEvent.objects.last()
    assert (event.event_type, event.url, event.message) == ("clicked", "https://shop.test/start", Message.objects.get())
    forged = link.replace("/c/", "/c/x")
    assert client.get(forged).status_code == 400


def test_open_pixel_records_an_open(db, clock, client):
    html = sent_html()
    (pixel,) = re.findall(r'src="http://testserver(/drip/o/[^"]+)"', html)
    response = client.get(pixel)
    assert response["Content-Type"] == "image/gif"
    assert MessageEvent.objects.get().event_type == "opened"


def test_tracking_off_leaves_links_alone(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "TRACKING": False}
    html = sent_html()
    assert 'href="https://shop.test/start"' in html and "/drip/o/" not in html


def test_unsubscribe_link_and_text_part_are_not_rewritten(db, clock):
    sent_html()
    assert "Start shopping (https://shop.test/start)" in mail.outbox[0].body


def test_click_on_a_link_with_escaped_characters_goes_to_the_real_url(db, clock, client):
    from tests.factories import WELCOME_MJML

    mjml = WELCOME_MJML.replace("https://shop.test/start", "https://shop.test/s?q={{ contact.first_name }}&amp;x=1")
    build_sequence(steps=[(0, "days", "Hi")], mjml=mjml)
    track("signed_up", email="t@example.com")
    from drip_plugin.models import Contact

    Contact.objects.update(first_name="kid's toys")
    tick()
    html = mail.outbox[0].alternatives[0][0]
    links = set(re.findall(r'href="http://testserver(/drip/c/[^"]+)"', html))
    locations = {client.get(link)["Location"] for link in links}
    assert "https://shop.test/s?q=kid's%20toys&x=1" in locations  # not kid&#x27;s


def test_click_on_a_hand_written_link_with_a_bare_ampersand_keeps_it(db, clock, client):
    from tests.factories import WELCOME_MJML

    mjml = WELCOME_MJML.replace("https://shop.test/start", "https://shop.test/s?a=1&currency=EUR&region=eu")
    build_sequence(steps=[(0, "days", "Hi")], mjml=mjml)
    track("signed_up", email="t@example.com")
    tick()
    links = set(re.findall(r'href="http://testserver(/drip/c/[^"]+)"', mail.outbox[0].alternatives[0][0]))
    assert "https://shop.test/s?a=1&currency=EUR&region=eu" in {client.get(link)["Location"] for link in links}


def test_view_in_browser_link_shows_the_email_as_sent_and_only_with_a_valid_token(db, clock, client):
    from tests.factories import WELCOME_MJML

    from drip_plugin.consent.gdpr import erase_contact
    from drip_plugin.models import Contact

    mjml = WELCOME_MJML.replace('<mj-button href="https://shop.test/start">',
                                '<mj-text><a href="{{ links.view_in_browser }}">View in browser</a></mj-text>'
                                '<mj-button href="https://shop.test/start">')
    build_sequence(steps=[(0, "days", "Hi")], mjml=mjml)
    Contact.objects.create(email="t@example.com", first_name="Tess")
    track("signed_up", email="t@example.com")
    tick()
    (path,) = re.findall(r'href="http://testserver(/drip/view/[^"]+)"', mail.outbox[0].alternatives[0][0])
    response = client.get(path)
    assert response.status_code == 200 and "Hello Tess, welcome to the shop!" in response.content.decode()
    assert (response["X-Robots-Tag"], response["Referrer-Policy"]) == ("noindex", "no-referrer")
    assert client.get(path.replace("/view/", "/view/x")).status_code == 400
    Contact.objects.update(email="tess.new@example.com")  # the email went to her old address
    assert client.get(path).status_code == 404, "whoever has the old inbox must not see her new details"
    Contact.objects.update(email="t@example.com")
    erase_contact(Contact.objects.get())
    assert client.get(path).status_code == 404
