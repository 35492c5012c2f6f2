"""The toy shop's mappers, as a host would write them."""
from django.http import HttpResponseRedirect

from drip_plugin import HostEvent


def order_event(sender, instance, created, **kwargs):
    if not instance.paid:
        return None
    return HostEvent("order_completed", email=instance.email, idempotency_key=f"toy-order-{instance.pk}-paid",
                     properties={"order_id": instance.number,
                                 "order": {"order_id": instance.number, "total": str(instance.total)}})


def custom_signal_event(sender, email, **kwargs):
    return [HostEvent("wishlist_reminder", email=email), HostEvent("product_viewed", email=email, properties={})]


def broken_mapper(sender, **kwargs):
    raise RuntimeError("the host's mapper has a bug")


def restore_cart(request, checkout_id):
    return HttpResponseRedirect(f"https://shop.test/cart/{checkout_id}/")


def wrong_type_mapper(sender, **kwargs):
    return {"name": "refund_issued"}  # a host bug: a dict, not a HostEvent
