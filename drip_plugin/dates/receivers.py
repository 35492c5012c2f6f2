"""Signal wiring of the date triggers (connected in AppConfig.ready)."""
from __future__ import annotations

from django.db.models.signals import post_save

from ..models import Contact, DateRule, Event
from ..signals import event_tracked
from .contacts import on_contact_saved, on_rule_saved, record_order
from .subscriptions import SUBSCRIPTION_EVENTS, record_subscription_event

ORDER_EVENT = "order_completed"


def on_event_tracked(sender, event: Event, **kwargs) -> None:
    if event.name == ORDER_EVENT:
        record_order(event)
    elif event.name in SUBSCRIPTION_EVENTS:
        record_subscription_event(event)


def connect() -> None:
    event_tracked.connect(on_event_tracked, dispatch_uid="drip_plugin.dates")
    post_save.connect(on_contact_saved, sender=Contact, dispatch_uid="drip_plugin.dates.contact")
    post_save.connect(on_rule_saved, sender=DateRule, dispatch_uid="drip_plugin.dates.rule")
