"""Email preview in the Wagtail editor, rendered for a sample contact."""
from __future__ import annotations

from ..models import Contact
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
SAMPLE_LINKS = {"unsubscribe": "https://shop.example/drip/unsubscribe/sample/",
                "preferences": "https://shop.example/drip/unsubscribe/sample/",
                "view_in_browser": "https://shop.example/drip/view/sample/"}


def sample_merge_context(locale: str = "en") -> dict:
    """A sample contact (speaking `locale`) with a 3-line cart, an order and a subscription."""
    return merge_context(Contact(**SAMPLE_CONTACT, locale=locale), event_properties=SAMPLE_EVENT, links=SAMPLE_LINKS)


def preview_context(email, mode_name: str) -> dict:
    try:
        # A translation previews as a contact of its language gets it.
        rendered = render_email(email, sample_merge_context(email_language(email)))
    except TemplateProblem as exc:
        return {"problem": str(exc), "mode": mode_name}
    return {"email": rendered, "mode": mode_name}
