"""Issue 24, the demo store shows it off: every email (drip's and test sends)
saved as an .eml file and listed in the outbox, shown without its open pixel;
the cart email with the store's header and the shop's own product images."""
from __future__ import annotations

import re
from decimal import Decimal

from django.core import mail

from drip_plugin import track
from drip_plugin.admin_views.test_send import send_test
from drip_plugin.ingest.cart import Cart, CartLine
from drip_plugin.models import Contact, Email, Message
from drip_plugin.rendering import render_email
from drip_plugin.rendering.context import merge_context
from drip_plugin.scheduling import tick

from .conftest import EXAMPLE_SITE

from shop import outbox  # noqa: E402  (example_site/ is on the path through conftest)
from shop.catalogue import PRODUCTS, image_url  # noqa: E402
from shop.management.commands.seed_demo import CART  # noqa: E402


def demo_cart_properties() -> dict:
    lines = [CartLine(name, 1, price, price, sku=sku, image_url=image_url(sku))
             for sku, (name, price, _) in PRODUCTS.items()]
    return Cart(checkout_id="c-1", currency="EUR", total=sum(line.total for line in lines), lines=lines).as_properties()


def use_demo_backend(settings, folder) -> None:
    """The demo's settings: every email through its .eml backend."""
    settings.EMAIL_BACKEND = "shop.outbox.EmlEmailBackend"
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "shop.outbox.EmlEmailBackend"}
    settings.EMAIL_FILE_PATH = folder


def test_demo_every_email_is_an_eml_file_in_the_outbox_drip_messages_and_test_sends(
        make_sequence, clock, settings, tmp_path):
    use_demo_backend(settings, tmp_path)
    make_sequence()
    track("signed_up", email="ada@example.com")
    assert tick().sent == 1
    send_test(Email.objects.order_by("pk").first(), ["editor@shop.test"])

    emails = outbox.sent_emails()
    assert [e.to for e in emails].count("ada@example.com") == 1 and len(emails) == 2
    assert all(path.suffix == ".eml" for path in tmp_path.iterdir()) and len(list(tmp_path.iterdir())) == 2
    drip = next(e for e in emails if e.to == "ada@example.com")
    test = next(e for e in emails if e.to == "editor@shop.test")
    message = Message.objects.get()
    assert (str(message.token), message.subject) == (drip.drip_token, drip.subject)
    assert test.drip_token is None and test.subject.startswith("[TEST]")
    assert outbox.read_eml("../../etc/passwd") is None  # only outbox file names


def test_demo_outbox_shows_an_email_without_firing_its_open_pixel(make_sequence, clock, settings, tmp_path):
    use_demo_backend(settings, tmp_path)
    make_sequence()
    track("signed_up", email="ada@example.com")
    tick()
    (sent,) = outbox.sent_emails()
    html = outbox.read_eml(sent.name).get_body(("html",)).get_content()
    assert len(re.findall(r'<img[^>]+/drip/o/', html)) == 1  # as sent: with the pixel
    shown = outbox.without_open_pixel(html)
    assert "/drip/o/" not in shown and "welcome to the shop!" in shown
    assert len(shown) < len(html) and shown.count("<img") == html.count("<img") - 1


def test_demo_cart_email_has_the_store_header_and_local_product_images(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SITE_URL": "http://127.0.0.1:8000"}
    contact = Contact(email="ada@example.com", first_name="Ada")
    html = render_email(Email(subject="Your cart", mjml=CART), merge_context(contact, event_properties=demo_cart_properties())).html
    assert "Demo Store</div>" in html  # the header, as in the Welcome email
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert sorted(images) == sorted(f"http://127.0.0.1:8000/static/{path}" for _, _, path in PRODUCTS.values())
    assert all((EXAMPLE_SITE / "shop" / "static" / path).is_file() for _, _, path in PRODUCTS.values())
    assert "fonts.googleapis.com" not in html
    assert re.search(r"Total €\d+\.\d\d<", html) and "EUR" not in html, "prices as the store shows them"
    assert not mail.outbox
