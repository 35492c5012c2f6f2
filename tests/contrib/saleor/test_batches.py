"""Issue 23, goal 1: Saleor webhooks are stored and answered, then tracked
in batches (one track_many() per batch), not one Celery task each."""
from __future__ import annotations

from drip_plugin.contrib.saleor.models import SaleorWebhookDelivery
from drip_plugin.contrib.saleor.processing import process_batch
from drip_plugin.contrib.saleor.tasks import process_saleor_deliveries
from drip_plugin.models import Enrollment, Event

from .fake_saleor import checkout_payload, order_payload
from .test_app import cart_sequence  # noqa: F401 - the fixture


def test_point1_saleor_webhooks_are_tracked_in_one_batch(installed_saleor, cart_sequence, client):  # noqa: F811
    for n in range(5):
        response = installed_saleor.deliver(client, "CHECKOUT_UPDATED",
                                            checkout_payload("Q2hlY2tvdXQ6MA==" if n == 0 else f"Q2hlY2tvdXQ6{n}==", f"buyer{n}@example.com"))
        assert response.status_code == 200
    installed_saleor.deliver(client, "ORDER_CREATED", order_payload("T3JkZXI6MQ==", "Q2hlY2tvdXQ6MA==", "buyer0@example.com"))
    assert SaleorWebhookDelivery.objects.filter(processed_at__isnull=True).count() == 6, "answered, not processed"
    assert process_saleor_deliveries() == 6  # what the one queued batch task does
    assert not SaleorWebhookDelivery.objects.filter(processed_at__isnull=True).exists()
    assert Event.objects.filter(name="checkout_updated").count() == 5
    assert set(Enrollment.objects.values_list("object_key", "state")) == {
        ("Q2hlY2tvdXQ6MA==", "exited"), *((f"Q2hlY2tvdXQ6{n}==", "active") for n in range(1, 5))}
    assert process_saleor_deliveries() == 0


def test_point1_an_unusable_delivery_in_a_batch_is_kept_with_its_reason(installed_saleor, cart_sequence, client):  # noqa: F811
    installed_saleor.deliver(client, "CHECKOUT_UPDATED", checkout_payload("Q2hlY2tvdXQ6MQ==", "good@example.com"))
    installed_saleor.deliver(client, "CHECKOUT_UPDATED", checkout_payload("Q2hlY2tvdXQ6Mg==", "not-an-email"))
    assert process_batch(10) == 2
    bad = SaleorWebhookDelivery.objects.get(error__contains="not a valid email")
    assert bad.processed_at is not None and Event.objects.get().contact.email == "good@example.com"
