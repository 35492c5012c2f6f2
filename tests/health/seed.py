"""Known health data: messages in every state, failures of three reasons,
tracking events and Saleor deliveries, counted by hand in the tests."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from drip_plugin import track
from drip_plugin.contrib.saleor.models import SaleorInstallation, SaleorWebhookDelivery
from drip_plugin.models import Message, MessageEvent
from drip_plugin.models.messages import MessageStatus
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

UNKNOWN_ERROR = "outcome unknown: the sender stopped during the hand-over to the ESP; not resent to avoid a duplicate"


def seed_health(now: dt.datetime) -> dict[str, Message]:
    """Ten sign-ups sent by one tick, then set by hand: 2 failed with an ESP
    503, 1 with a refused recipient, 1 of unknown outcome, 1 queued due two
    minutes ago, 1 retry scheduled for later; 4 stay sent."""
    build_sequence(steps=((0, "days", "Hello"),))
    for n in range(10):
        track("signed_up", email=f"c{n}@example.com")
    tick()
    messages = {m.to_email.split("@")[0]: m for m in Message.objects.order_by("pk")}
    assert len(messages) == 10 and all(m.status == MessageStatus.SENT for m in messages.values())

    def set_(name, **fields):
        # As record_failure() leaves them: handed_at kept only when the outcome is unknown, failed_at set.
        fields.setdefault("handed_at", None)
        if fields["status"] == MessageStatus.FAILED:
            fields["failed_at"] = now
        Message.objects.filter(pk=messages[name].pk).update(**fields)

    set_("c0", status=MessageStatus.FAILED, error="AnymailAPIError: API response 503: busy", sent_at=None)
    set_("c1", status=MessageStatus.FAILED, error="AnymailAPIError: API response 503: busier", sent_at=None)
    set_("c2", status=MessageStatus.FAILED, error="SMTPRecipientsRefused: {'c2@example.com': (550, b'no')}",
         sent_at=None)
    set_("c3", status=MessageStatus.FAILED, error=UNKNOWN_ERROR, handed_at=now - dt.timedelta(minutes=5),
         sent_at=None)
    set_("c4", status=MessageStatus.QUEUED, send_after=now - dt.timedelta(minutes=2), sent_at=None)
    set_("c5", status=MessageStatus.RETRY_SCHEDULED, send_after=now + dt.timedelta(minutes=10), sent_at=None)
    for name, event_type in [("c6", "opened"), ("c7", "opened"), ("c8", "opened"), ("c8", "clicked")]:
        MessageEvent.objects.create(message=messages[name], event_type=event_type, occurred_at=now)
    saleor = SaleorInstallation.objects.create(saleor_api_url="https://s.test/graphql/", auth_token="t",
                                               jwks_fetched_at=now)
    for n, (event, processed, error) in enumerate([("ORDER_CREATED", now, ""), ("ORDER_CREATED", now, ""),
                                                   ("CHECKOUT_UPDATED", None, ""),
                                                   ("CHECKOUT_UPDATED", None, "UnusablePayload: no email")]):
        delivery = SaleorWebhookDelivery.objects.create(installation=saleor, event_type=event, body_sha256=str(n),
                                                        payload={}, processed_at=processed, error=error)
    # received_at is auto_now_add: the pending ones arrived 30 s ago.
    SaleorWebhookDelivery.objects.filter(processed_at__isnull=True).update(
        received_at=timezone.now() - dt.timedelta(seconds=30))
    del delivery
    return messages
