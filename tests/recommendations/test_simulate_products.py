"""Issue 22: the simulator shows which products a contact would see."""
from __future__ import annotations

from drip_plugin.models import Email, Product
from tests.factories import build_sequence

STREAM = """
- at: 2026-03-02T08:00:00Z
  event: order_completed
  email: bob@example.com
  properties: {order_id: o1, order: {lines: [{name: Teapot, sku: TP, product_url: "https://shop.test/tp"},
                                             {name: Green tea, sku: GT, product_url: "https://shop.test/gt"}]}}
- at: 2026-03-02T09:00:00Z
  event: product_viewed
  email: ann@example.com
  properties: {product_id: TP, name: Teapot, url: "https://shop.test/tp"}
"""


def test_point_simulate_shows_the_products_a_contact_would_see(editor):
    email = Email.objects.create(name="Picks", subject="Still looking?", live=True, body=[
        ("heading", {"text": "Picked for you", "size": "24px"}),
        ("products", {"strategy": "bought_together", "count": 3, "products": []}),
        ("products", {"strategy": "recently_viewed", "count": 2, "products": []})])
    build_sequence("Browse", "product_viewed", [{"email": email, "delay_amount": 2, "delay_unit": "hours"}])
    page = editor.post("/admin/drip/simulate/", {"mode": "stream", "events": STREAM, "days": 3}).content.decode()
    assert "email “Still looking?” (Browse, step" in page
    assert "<td>ann@example.com</td><td>products shown (bought together): Green tea</td>" in page
    assert "<td>ann@example.com</td><td>products shown (recently viewed): Teapot</td>" in page
    assert not Product.objects.exists(), "learned inside the simulation only"
