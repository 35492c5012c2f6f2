"""Email preview in the Wagtail editor, rendered for a sample contact."""
from __future__ import annotations

from ..links.routes import test_send_links
from ..models import Contact
from ..recommendations.lookup import BatchRecommendations
from ..recommendations.strategies import STRATEGIES
from .context import merge_context
from .email import render_email
from .errors import TemplateProblem
from .languages import email_language

SAMPLE_CONTACT = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
SAMPLE_LINE = {"quantity": 1, "image_url": "https://placehold.co/120x120/png", "product_url": "https://shop.example/p"}
SAMPLE_EVENT = {
    "checkout_id": "chk_123",
    "cart": {
        "checkout_id": "chk_123", "currency": "EUR", "subtotal": "86.00", "total": "86.00",
        "restore_url": "https://shop.example/cart/restore/sample",
        "lines": [
            {**SAMPLE_LINE, "name": "Linen shirt", "sku": "LS-01", "unit_price": "49.00", "total": "49.00"},
            {**SAMPLE_LINE, "name": "Canvas tote", "sku": "CT-02", "unit_price": "19.00", "total": "19.00"},
            {**SAMPLE_LINE, "name": "Espresso cups (2)", "sku": "EC-03", "unit_price": "18.00", "total": "18.00"},
        ],
    },
    "order": {"order_id": "ord_1", "number": "1042", "total": "86.00", "currency": "EUR", "lines": []},
    "subscription": {"subscription_id": "sub_1", "plan": "Coffee club", "status": "active", "renews_at": "2026-12-01"},
}
SAMPLE_PRODUCTS = tuple(
    {"id": sku, "name": name, "url": f"https://shop.example/p/{sku}", "image_url": "https://placehold.co/240x240/png",
     "price": price, "currency": "EUR"}
    for sku, name, price in (("LS-01", "Linen shirt", "49.00"), ("CT-02", "Canvas tote", "19.00"),
                             ("EC-03", "Espresso cups (2)", "18.00"))
)


def sample_merge_context(locale: str = "en", links: dict[str, str] | None = None) -> dict:
    """A sample contact (speaking `locale`) with a 3-line cart, an order and a
    subscription. Its links are on SITE_URL, as in sent mail, and lead to a
    page saying the email was a preview or a test and changing nothing."""
    return merge_context(Contact(**SAMPLE_CONTACT, locale=locale), event_properties=SAMPLE_EVENT,
                         links=links or test_send_links(),
                         recommendations={strategy: SAMPLE_PRODUCTS for strategy in STRATEGIES})


CONTACT_MODE = "contact-"  # preview mode "contact-<pk>": as that real contact


def preview_contacts(limit: int = 5) -> list[Contact]:
    """The newest contacts, offered as preview recipients (newest pk: an index scan)."""
    return list(Contact.objects.order_by("-pk")[:limit])


def contact_merge_context(contact: Contact, links: dict[str, str] | None = None) -> dict:
    """A real contact with their latest cart/order/subscription event's data
    (the sample's where they have none yet) and the products they would be shown."""
    latest = (contact.events.filter(name__in=["checkout_started", "checkout_updated", "order_completed",
                                               "subscription_started", "subscription_renewed", "renewal_due"])
              .order_by("-occurred_at", "-pk").first())
    return merge_context(contact, event_properties={**SAMPLE_EVENT, **(latest.properties if latest else {})},
                         links=links or test_send_links(),
                         recommendations=BatchRecommendations([contact.pk]).for_contact(contact.pk))


def preview_context(email, mode_name: str) -> dict:
    # A translation previews as a contact of its language gets it.
    merge, mode = sample_merge_context(email_language(email)), mode_name
    if mode_name.startswith(CONTACT_MODE):
        contact = Contact.objects.filter(pk=mode_name.removeprefix(CONTACT_MODE)).first()
        if contact is not None:
            merge = contact_merge_context(contact)
        mode = "desktop"
    try:
        rendered = render_email(email, merge)
    except TemplateProblem as exc:
        return {"problem": str(exc), "mode": mode}
    return {"email": rendered, "mode": mode}
