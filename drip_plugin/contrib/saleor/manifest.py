"""The app manifest Saleor reads at installation."""
from __future__ import annotations

from ... import __version__
from ...conf import drip_settings

# What the contact gets from every event: names, language, phone, public metadata.
_USER = "user { email firstName lastName languageCode metadata { key value } }"
_ADDRESS = "billingAddress { firstName lastName phone }"
_CHECKOUT = f"""checkout {{ id email created updatedAt languageCode
  {_USER} {_ADDRESS}
  channel {{ slug }}
  lines {{ quantity
    variant {{ name sku product {{ name slug thumbnail {{ url }} }} }}
    unitPrice {{ gross {{ amount currency }} }}
    totalPrice {{ gross {{ amount currency }} }} }}
  subtotalPrice {{ gross {{ amount currency }} }}
  totalPrice {{ gross {{ amount currency }} }} }}"""
_ORDER = f"""order {{ id number checkoutId userEmail created languageCodeEnum
  {_USER} {_ADDRESS}
  lines {{ productName variantName productSku quantity thumbnail {{ url }}
    unitPrice {{ gross {{ amount currency }} }}
    totalPrice {{ gross {{ amount currency }} }} }}
  subtotal {{ gross {{ amount currency }} }}
  total {{ gross {{ amount currency }} }} }}"""
_CUSTOMER = "user { id email firstName lastName dateJoined languageCode metadata { key value } }"

# Saleor event → (subscription type, selection). The payload is the event
# object: {"__typename", "issuedAt", "checkout" | "order" | "user"}.
WEBHOOK_EVENTS = {
    "CHECKOUT_CREATED": ("CheckoutCreated", _CHECKOUT),
    "CHECKOUT_UPDATED": ("CheckoutUpdated", _CHECKOUT),
    "ORDER_CREATED": ("OrderCreated", _ORDER),
    "ORDER_FULLY_PAID": ("OrderFullyPaid", _ORDER),
    "ORDER_CANCELLED": ("OrderCancelled", _ORDER),
    "CUSTOMER_CREATED": ("CustomerCreated", _CUSTOMER),
}
EVENT_OF_TYPENAME = {type_name: event for event, (type_name, _) in WEBHOOK_EVENTS.items()}


def subscription_query(event: str) -> str:
    type_name, selection = WEBHOOK_EVENTS[event]
    return f"subscription {{ event {{ __typename issuedAt ... on {type_name} {{ {selection} }} }} }}"


def build_manifest(*, app_url: str, token_target_url: str, webhook_url: str) -> dict:
    return {
        "id": drip_settings.SALEOR_APP_ID,
        "name": drip_settings.SALEOR_APP_NAME,
        "version": __version__,
        "about": "Drip email campaigns: cart abandonment, welcome series, renewal reminders, win-back.",
        "permissions": ["MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_USERS"],
        "appUrl": app_url,
        "tokenTargetUrl": token_target_url,
        "webhooks": [
            {"name": f"drip {event.lower()}", "asyncEvents": [event], "query": subscription_query(event),
             "targetUrl": webhook_url, "isActive": True}
            for event in WEBHOOK_EVENTS
        ],
    }
