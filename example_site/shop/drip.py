"""How the demo shop plugs into drip_plugin: two mappers, the cart-restore
handler and whose browser subscribes to web push, all named in settings.DRIP_PLUGIN."""
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from drip_plugin import HostEvent
from drip_plugin.channels.push.contacts import logged_in_contact
from drip_plugin.models import Contact
from drip_plugin.ingest.cart import Cart as CartSnapshot, CartLine as LineSnapshot

from .catalogue import image_url
from .models import Cart, Order


def cart_event(sender, instance: Cart, **kwargs):
    """Every save of a cart with an email and lines is a checkout_updated."""
    lines = list(instance.lines.all())
    if not instance.email or not lines:
        return None
    snapshot = CartSnapshot(
        checkout_id=str(instance.token), currency="EUR", total=instance.total,
        lines=[LineSnapshot(line.name, line.quantity, line.unit_price, line.unit_price * line.quantity,
                            sku=line.sku, image_url=image_url(line.sku),
                            product_url=f"http://127.0.0.1:8000/#{line.sku}") for line in lines],
    )
    return HostEvent("checkout_updated", email=instance.email, properties=snapshot.as_properties(),
                     idempotency_key=f"demo-cart-{instance.token}-{instance.updated_at.isoformat()}")


def order_event(sender, instance: Order, created: bool, **kwargs):
    if not created:
        return None
    number = str(instance.pk)
    return HostEvent("order_completed", email=instance.email, idempotency_key=f"demo-order-{number}",
                     properties={"order_id": number, "checkout_id": str(instance.cart.token),
                                 "order": {"order_id": number, "number": number, "currency": "EUR",
                                           "total": str(instance.total)}})


def restore_cart(request, checkout_id: str):
    """The signed link in cart emails lands here: put that cart back in the session.

    Whoever holds the email (e.g. forwarded) gets the cart: fine for a demo; a
    real shop may ask the visitor to sign in first."""
    try:
        cart = Cart.objects.filter(token=checkout_id).first()
    except ValidationError:  # not one of this shop's cart tokens
        cart = None
    if cart is not None and not hasattr(cart, "order"):
        request.session["cart"] = str(cart.token)
    return HttpResponseRedirect("/cart/")


def push_contact(request):
    """The shopper of the cart in this session (its email is the contact),
    else the logged-in customer's contact."""
    cart = Cart.objects.filter(token=request.session.get("cart"), order__isnull=True).first()
    if cart is not None and cart.email:
        return Contact.objects.with_address(cart.email).first()
    return logged_in_contact(request)
