"""The merge context: the documented set of fields an email template sees."""
from __future__ import annotations

from typing import Any

from ..conf import drip_settings
from ..links.routes import cart_restore_url
from ..models import Contact


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "locale": contact.locale,
        "attributes": dict(contact.attributes or {}),
    }


def merge_context(contact: Contact, *, event_properties: dict | None = None, links: dict | None = None,
                  recommendations: dict | None = None) -> dict:
    """Plain data for templates: `contact`, `event`, `cart`, `order`,
    `subscription` (when the triggering event carried them), `links`,
    `sender` and `recommendations` (products per strategy, when the email shows them)."""
    properties = dict(event_properties or {})
    cart = dict(properties.get("cart") or {})
    if cart.get("checkout_id") and not cart.get("restore_url"):
        cart["restore_url"] = cart_restore_url(cart["checkout_id"])
        properties["cart"] = cart  # {{ event.cart.restore_url }} works too
    return {
        "contact": contact_data(contact),
        "event": properties,
        "cart": cart,
        "order": properties.get("order", {}),
        "subscription": properties.get("subscription", {}),
        "links": dict(links or {}),
        "recommendations": recommendations or {},
        "sender": {"email": drip_settings.from_email, "postal_address": drip_settings.POSTAL_ADDRESS or ""},
    }
