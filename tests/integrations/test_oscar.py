"""Issue 5: django-oscar adapter — real Oscar views, models and signals mapped
to events. Runs with `pytest --ds=tests.oscar_settings` (dev.py does)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

if not apps.is_installed("oscar"):
    pytest.skip("django-oscar runs in its own pass: --ds=tests.oscar_settings", allow_module_level=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core import mail  # noqa: E402
from oscar.apps.basket.models import Basket  # noqa: E402
from oscar.apps.partner.strategy import Default  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from oscar.test.factories import create_order, create_product, create_product_image  # noqa: E402

from drip_plugin.models import Enrollment, Event, Sequence  # noqa: E402
from drip_plugin.scheduling import tick  # noqa: E402
from tests.factories import build_sequence  # noqa: E402


# The smallest valid GIF: Oscar's ImageField reads its dimensions.
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.fixture
def shirt(db):
    return create_product(title="Linen shirt", price=Decimal("10.00"), num_in_stock=5, partner_sku="LIN-1")


@pytest.fixture
def customer(db):
    return get_user_model().objects.create_user("ada", email="ada@example.com", password="x")


def add_to_basket(client, product, quantity: int = 1):
    """Oscar's own add-to-basket view: fills request.basket and sends basket_addition."""
    response = client.post(f"/basket/add/{product.pk}/", {"quantity": quantity})
    assert response.status_code == 302
    return response


def test_oscar_basket_addition_of_a_signed_in_customer_is_checkout_updated_with_the_cart(
    shirt, customer, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    image = create_product_image(shirt, original=SimpleUploadedFile("shirt.gif", GIF, "image/gif"))
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        add_to_basket(client, shirt, quantity=2)
    basket = Basket.objects.get(owner=customer)
    event = Event.objects.get(name="checkout_updated")
    assert event.contact.email == "ada@example.com"
    assert event.properties == {"checkout_id": str(basket.id), "cart": {
        "checkout_id": str(basket.id), "currency": "EUR", "subtotal": "20.00", "total": "20.00",
        "lines": [{"name": "Linen shirt", "quantity": 2, "unit_price": "10.00", "total": "20.00", "sku": "LIN-1",
                   "product_url": f"http://testserver/catalogue/{shirt.slug}_{shirt.pk}/",
                   "image_url": f"http://testserver/media/{image.original.name}"}]}}


def test_oscar_basket_addition_of_an_anonymous_visitor_tracks_nothing(shirt, client,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_to_basket(client, shirt)
    assert Basket.objects.get().num_lines == 1
    assert not Event.objects.exists()


def test_oscar_order_placed_is_order_completed_and_ends_the_cart_journey(
    shirt, customer, client, clock, django_capture_on_commit_callbacks
):
    sequence = build_sequence("Cart", "checkout_updated", steps=[(1, "hours", "You left {{ cart.lines|length }} items"),
                                                                 (24, "hours", "Still thinking?")])
    Sequence.objects.filter(pk=sequence.pk).update(journey_per="checkout_id", exit_events="order_completed")
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        add_to_basket(client, shirt)
    clock.shift(dt.timedelta(hours=1))
    tick()
    assert [m.subject for m in mail.outbox] == ["You left 1 items"]

    basket = Basket.objects.get(owner=customer)
    basket.strategy = Default()
    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(basket=basket, user=customer)  # Oscar's OrderCreator.place_order
    event = Event.objects.get(name="order_completed")
    assert (event.contact.email, event.properties["checkout_id"]) == ("ada@example.com", str(basket.id))
    assert event.properties["order"] == {
        "order_id": str(order.number), "number": str(order.number), "checkout_id": str(basket.id), "currency": "EUR",
        "total": "10.00", "subtotal": "10.00",
        "lines": [{"name": "Linen shirt", "quantity": 1, "unit_price": "10.00", "total": "10.00", "sku": "LIN-1",
                   "product_url": f"http://testserver/catalogue/{shirt.slug}_{shirt.pk}/"}]}
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "exit event order_completed")
    clock.shift(dt.timedelta(days=3))
    tick()
    assert len(mail.outbox) == 1, "no reminder after the order"


def test_oscar_guest_order_is_tracked_for_the_guest_email(shirt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(guest_email="guest@example.com")
    event = Event.objects.get()
    assert (event.name, event.contact.email, event.properties["order_id"]) == (
        "order_completed", "guest@example.com", str(order.number))


@pytest.mark.parametrize("auth_signals", [True, False])
def test_oscar_registration_records_one_signed_up_whichever_signal_reports_it(
    auth_signals, db, client, settings, django_capture_on_commit_callbacks
):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "CONNECT_AUTH_SIGNALS": auth_signals}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/register/", {"email": "new@example.com", "password1": "a-Long-pass-9",
                                                       "password2": "a-Long-pass-9"})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.com")
    event = Event.objects.get()
    assert (event.name, event.contact.email, event.idempotency_key) == (
        "signed_up", "new@example.com", f"auth-user-{user.pk}-signed_up")


def test_oscar_guest_order_fills_the_contacts_names_and_phone_from_the_address(
        shirt, django_capture_on_commit_callbacks):
    from oscar.test.factories import ShippingAddressFactory

    address = ShippingAddressFactory(first_name="Grace", last_name="Hopper", phone_number="+12125555555")
    with django_capture_on_commit_callbacks(execute=True):
        create_order(guest_email="grace@example.com", shipping_address=address)
    contact = Event.objects.get().contact
    assert (contact.first_name, contact.last_name, contact.phone) == ("Grace", "Hopper", "+12125555555")


def test_oscar_signed_in_basket_addition_fills_names_and_the_request_language(
        shirt, client, settings, django_capture_on_commit_callbacks):
    # LocaleMiddleware gives the request the customer's language (from Accept-Language here).
    session = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:session + 1], "django.middleware.locale.LocaleMiddleware",
                           *settings.MIDDLEWARE[session + 1:]]
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    user = get_user_model().objects.create_user("ada", email="ada@example.com", password="x",
                                                first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/basket/add/{shirt.pk}/", {"quantity": 1}, HTTP_ACCEPT_LANGUAGE="fr").status_code == 302
    contact = Event.objects.get().contact
    assert (contact.first_name, contact.last_name, contact.locale) == ("Ada", "Lovelace", "fr")
