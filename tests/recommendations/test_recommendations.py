"""Issue 22: recommendations computed from the shop's events, learned from a
cursor by the tick and read per sending batch."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drip_plugin import track
from drip_plugin.delivery.outbox import BatchContext, claim_sendable, prepare_message
from drip_plugin.models import Contact, ContactProduct, Email, Event, LearningCursor, Product, ProductPair
from drip_plugin.recommendations.learn import learn_new_events
from drip_plugin.recommendations.lookup import BatchRecommendations
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def line(sku: str, quantity: int = 1, **extra) -> dict:
    return {"name": f"Product {sku}", "sku": sku, "quantity": quantity, "unit_price": "10.00",
            "product_url": f"https://shop.test/{sku}", "image_url": f"https://cdn.shop.test/{sku}.png", **extra}


def order(email: str, number: str, *lines: dict, at: dt.datetime = NOW) -> None:
    track("order_completed", email=email, occurred_at=at,
          properties={"order_id": number, "order": {"order_id": number, "currency": "EUR", "lines": list(lines)}})


def cart(email: str, checkout: str, *lines: dict) -> None:
    track("checkout_updated", email=email,
          properties={"checkout_id": checkout, "cart": {"checkout_id": checkout, "lines": list(lines)}})


def view(email: str, product: str, at: dt.datetime = NOW, **shown) -> None:
    track("product_viewed", email=email, occurred_at=at, properties={"product_id": product, **shown})


def names(products) -> list[str]:
    return [p["id"] for p in products]


def seed_shop() -> None:
    """Other customers' orders make A go with B (twice), C and D; E sells most."""
    order("bob@example.com", "o1", line("A"), line("B"), line("C"))
    order("carol@example.com", "o2", line("A"), line("B"))
    order("dave@example.com", "o3", line("A"), line("D"))
    order("erin@example.com", "o4", line("E", 5))
    # H sold more, but 60 days ago: four half-lives weigh its 8 units as 0.5.
    order("fay@example.com", "o5", line("H", 8), at=NOW - dt.timedelta(days=56))


def test_point_recommendations_seeded_orders_and_views_give_expected_products(db):
    seed_shop()
    order("ann@example.com", "o6", line("A"))  # bought: never recommended to Ann
    cart("ann@example.com", "c1", line("B"), line("D"))
    cart("ann@example.com", "c1", line("B"))  # D left the cart: only B is in it now
    view("ann@example.com", "F", NOW - dt.timedelta(hours=2), name="Old name", url="https://shop.test/F",
         image_url="https://cdn.shop.test/F.png", price="12.50", currency="EUR")
    view("ann@example.com", "F", NOW - dt.timedelta(hours=1), name="Fig jam", url="https://shop.test/F")
    view("ann@example.com", "G", NOW, name="Green tea", url="https://shop.test/G")
    view("ann@example.com", "A", NOW, name="Product A", url="https://shop.test/A")  # viewed but bought
    track("signed_up", email="zoe@example.com")

    assert learn_new_events() == 12
    ann, zoe = (Contact.objects.get(email=e).pk for e in ("ann@example.com", "zoe@example.com"))
    found = BatchRecommendations([ann, zoe])
    for_ann, for_zoe = found.for_contact(ann), found.for_contact(zoe)

    # Seeds: B (cart), A (bought), G, F (viewed). C goes with A and B (1 + 1), D with A (1).
    assert names(for_ann["bought_together"]) == ["C", "D"]
    assert names(for_ann["recently_viewed"]) == ["G", "F"], "latest first; A was bought"
    assert names(for_ann["best_sellers"]) == ["E", "C", "D", "H"], "A bought, B in the cart; H decayed"
    assert names(for_ann["automatic"]) == ["C", "D", "G", "F", "E", "H"]
    assert names(for_zoe["best_sellers"]) == ["E", "A", "B", "C", "D", "H"]
    assert for_zoe["automatic"] == for_zoe["best_sellers"] and for_zoe["bought_together"] == ()
    # Display data: the latest event that carried each field.
    fig = for_ann["recently_viewed"][1]
    assert (fig["name"], fig["url"], fig["image_url"], fig["price"], fig["currency"]) == (
        "Fig jam", "https://shop.test/F", "https://cdn.shop.test/F.png", "12.50", "EUR")
    assert ProductPair.objects.get(product__key="A", other__key="B").orders == 2


def test_recommendations_are_learned_by_the_tick_from_a_cursor_once(db, clock):
    seed_shop()
    clock.shift(dt.timedelta(seconds=40))
    view("ann@example.com", "A")  # too young: a lower id might still be committing
    tick()
    assert LearningCursor.objects.get().event_id == Event.objects.filter(name="order_completed").latest("pk").pk
    assert not ContactProduct.objects.filter(viewed_at__isnull=False).exists()
    assert ProductPair.objects.get(product__key="A", other__key="B").orders == 2
    clock.shift(dt.timedelta(minutes=1))
    tick()
    tick()  # nothing new: nothing counted twice
    assert ContactProduct.objects.filter(viewed_at__isnull=False).count() == 1
    assert ProductPair.objects.get(product__key="A", other__key="B").orders == 2
    assert learn_new_events() == 0


def test_recommendations_learn_one_batch_of_new_events_per_call(db):
    seed_shop()
    assert learn_new_events(limit=2) == 2
    assert learn_new_events(limit=2) == 2
    assert learn_new_events(limit=2) == 1
    assert Product.objects.get(key="E").popularity > Product.objects.get(key="H").popularity


PRODUCTS_EMAIL = [("heading", {"text": "Picked for you", "size": "24px"}),
                  ("products", {"strategy": "automatic", "count": 3, "products": []})]


def products_sequence() -> None:
    email = Email.objects.create(name="Picks", subject="Picked for {{ contact.first_name }}", body=PRODUCTS_EMAIL,
                                 live=True)
    build_sequence(name="Picks", trigger="signed_up", steps=[{"email": email}])


def test_point_recommendations_constant_queries_per_batch(db):
    seed_shop()
    products_sequence()

    def prepared_batch(count: int, start: int) -> tuple[int, list]:
        for n in range(start, start + count):
            order(f"c{n}@example.com", f"x{n}", line("A"))
            track("signed_up", email=f"c{n}@example.com", properties={})
        learn_new_events()
        tick_without_sending()
        batch = claim_sendable(dt.datetime.now(dt.UTC), 500)
        assert len(batch) == count
        with CaptureQueriesContext(connection) as queries:
            context = BatchContext(batch)
            outgoing = [prepare_message(message, context) for message in batch]
        return len(queries), outgoing

    one, (single,) = prepared_batch(1, 0)
    fifty, outgoing = prepared_batch(50, 1)
    assert one == fifty, f"{one} queries for 1 recipient, {fifty} for 50"
    for o in [single, *outgoing]:  # each bought A: B (with A twice), C, D are theirs
        html = o.email.alternatives[0][0]
        assert "Product B" in html and "Product C" in html and "Product D" in html
        assert "Product A" not in html


def tick_without_sending() -> None:
    from drip_plugin.engine import advance_due_enrollments

    while advance_due_enrollments(dt.datetime.now(dt.UTC), 500):
        pass


def test_point_recommendations_constant_queries_with_django_assert_max_num_queries(
        db, django_assert_max_num_queries):
    seed_shop()
    contacts = [Contact.objects.create(email=f"r{n}@example.com") for n in range(50)]
    for contact in contacts[:25]:
        order(contact.email, f"r{contact.pk}", line("A"))
        view(contact.email, "E", name="Espresso", url="https://shop.test/E")
    learn_new_events()
    with django_assert_max_num_queries(4):
        lone = BatchRecommendations([contacts[0].pk])
    with django_assert_max_num_queries(4):
        batch = BatchRecommendations([c.pk for c in contacts])
    assert batch.for_contact(contacts[0].pk) == lone.for_contact(contacts[0].pk)
    assert names(batch.for_contact(contacts[30].pk)["automatic"]) == ["A", "E", "B", "C", "D", "H"], "25 more sales of A"


@pytest.mark.django_db(transaction=True)
def test_recommendations_block_in_sent_emails_shows_each_recipients_products(clock):
    seed_shop()
    products_sequence()
    order("ann@example.com", "a1", line("A"))
    clock.shift(dt.timedelta(minutes=5))
    track("signed_up", email="ann@example.com", properties={})
    track("signed_up", email="zoe@example.com", properties={})
    assert tick().sent == 2
    sent = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    ann, zoe = sent["ann@example.com"], sent["zoe@example.com"]
    assert "Product B" in ann and "Product C" in ann and "Product A" not in ann
    assert "Product E" in zoe and "Product A" in zoe, "no history: best sellers"
    assert "€10.00" in ann, "prices as the store shows them"
    text = next(m for m in mail.outbox if m.to == ["ann@example.com"]).body
    assert "Product B" in text


def test_recommendations_block_saved_as_a_list_is_hand_picked(db):
    legacy = [{"name": "Mug", "image_url": "https://cdn.shop.test/mug.png", "url": "https://shop.test/mug",
               "price": "12 €"}]
    email = Email(name="Old", subject="Hi", body=[("products", legacy)])
    email.full_clean()
    from drip_plugin.rendering import render_email
    from drip_plugin.rendering.preview import sample_merge_context

    html = render_email(email, sample_merge_context()).html
    assert "Mug" in html and "12 €" in html and "Linen shirt" not in html


def test_recommendations_learning_skips_what_names_no_product(db):
    """Events stored before the catalogue checked them (or outside it) never stop the learner."""
    contact = Contact.objects.create(email="old@example.com")
    for number, properties in enumerate([
        {"order_id": "z1", "order": {"lines": [{"name": "No id"}, {"sku": "S1", "quantity": "2", "name": "S"},
                                                "not a line"]}},
        {"order_id": "z2", "order": "not an order"},
    ]):
        Event.objects.create(name="order_completed", contact=contact, properties=properties,
                             idempotency_key=f"legacy-{number}")
    Event.objects.create(name="checkout_updated", contact=contact, properties={"cart": None}, idempotency_key="c")
    Event.objects.create(name="product_viewed", contact=contact, properties={}, idempotency_key="v")
    assert learn_new_events() == 4
    assert list(Product.objects.values_list("key", "name")) == [("S1", "S")]
    assert ContactProduct.objects.get().bought_at is not None


def test_recommendations_editor_chooses_the_strategy_and_count_in_the_admin(admin_client):
    from django.urls import reverse

    form = {"name": "Picks", "subject": "Hi", "preheader": "", "layout": "", "mjml": "", "body-count": "1",
            "body-0-type": "products", "body-0-deleted": "", "body-0-order": "0",
            "body-0-value-strategy": "recently_viewed", "body-0-value-count": "2", "body-0-value-products-count": "0"}
    response = admin_client.post(reverse("wagtailsnippets_drip_plugin_email:add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    block = Email.objects.get(name="Picks").get_latest_revision_as_object().body[0]
    assert (block.value["strategy"], block.value["count"]) == ("recently_viewed", 2)
    preview = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[Email.objects.get().pk])
    assert admin_client.post(preview, form).json()["is_valid"]
    page = admin_client.get(preview, {"mode": "desktop"}).content.decode()
    assert "Linen shirt" in page and "Canvas tote" in page and "Espresso cups" not in page, "two sample products"
