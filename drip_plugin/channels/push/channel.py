"""Web push, a channel beside email and SMS: a contact is reachable once one
of their browsers opted in (PushSubscription: the opt-in is the consent,
with its proof); each message goes to every such browser through pywebpush."""
from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count
from django.utils.translation import gettext_lazy as _, ngettext

from ...conf import drip_settings
from ...delivery.errors import ProviderRefused
from ...links.signed import CLICK_SALT, SignedRoute
from ...models.sequences import StepKind
from ...rendering.context import merge_context
from ...rendering.errors import TemplateProblem
from ...rendering.sandbox import freeze
from ..base import Reach
from ..sending import Prepared, ProviderChannel
from .content import render_payload
from .models import PushSubscription
from .sender import PushServiceRefused, SubscriptionGone, push_to_each
from .subscriptions import PUSH
from .vapid import signer


class PushChannel(ProviderChannel):
    name = PUSH
    label = _("web push")
    fallback_label = _("send the step's browser notification instead")
    step_kind = StepKind.PUSH
    content = ("step__push",)

    def has_content(self, step) -> bool:
        return step.push_id is not None

    def reach(self, contacts):
        browsers = dict(PushSubscription.objects.filter(contact__in=[c.pk for c in contacts])
                        .values_list("contact").annotate(count=Count("pk")))
        return {contact.pk: Reach(address=ngettext("%(count)d browser", "%(count)d browsers", count) % {"count": count})
                if (count := browsers.get(contact.pk)) else Reach(refusal="no browser subscribed to notifications")
                for contact in contacts}

    def quiet_hours(self):
        quiet = drip_settings.PUSH_QUIET_HOURS
        return (dt.time.fromisoformat(quiet[0]), dt.time.fromisoformat(quiet[1])) if quiet else None

    def frequency_cap(self):
        cap = drip_settings.PUSH_FREQUENCY_CAP
        return (int(cap["count"]), int(cap["days"])) if cap else None

    def refusal(self, message):
        if not message.enrollment.contact.push_subscriptions.exists():
            return "no browser subscribed to notifications any more (unsubscribed, or its subscription expired)"
        return None

    def prepare(self, message):
        signer()  # keys missing or broken: the message fails here, before its hand-over
        notification = message.step.push if message.step else None
        if notification is None:
            raise TemplateProblem("the step or its notification was deleted before the message went out")
        if not notification.live:
            raise TemplateProblem(f"notification {notification.name!r} is not published")
        event = message.enrollment.trigger_event
        merge = merge_context(message.enrollment.contact,
                              event_properties=freeze(event.properties or {}) if event else None)
        payload = render_payload(notification, merge)
        if drip_settings.TRACKING and payload.url:  # a click on the notification counts as the message's click
            payload = dataclasses.replace(payload, url=SignedRoute("drip_plugin:click", CLICK_SALT)(
                {"m": message.pk, "u": payload.url}))
        return Prepared(message=message, body=payload.encoded().decode())

    def deliver(self, prepared):
        try:
            locations = push_to_each(prepared.message.enrollment.contact.push_subscriptions.all(),
                                     prepared.body.encode())
        except SubscriptionGone as exc:
            raise ProviderRefused(str(exc), transient=False) from None
        except PushServiceRefused as exc:
            raise ProviderRefused(str(exc), transient=exc.transient) from None
        return " ".join(locations)

    def urls(self):
        from .urls import urlpatterns

        return urlpatterns
