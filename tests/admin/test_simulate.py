"""Issue 4: the simulator in the Wagtail admin shows the timeline and writes nothing."""
from __future__ import annotations

from drip_plugin.models import Contact, Enrollment, Event
from tests.engine.test_simulate import STREAM
from tests.factories import build_sequence


def test_simulator_admin_action_shows_the_timeline_and_writes_nothing(editor):
    build_sequence("Cart", "checkout_updated", [{"subject": "You left {{ cart.lines|length }} items",
                                                  "delay_amount": 1, "delay_unit": "hours"}],
                   journey_per="checkout_id", exit_events="order_completed")
    assert "/admin/drip/simulate/" in editor.get("/admin/snippets/drip_plugin/sequence/").content.decode()
    page = editor.post("/admin/drip/simulate/", {"events": STREAM, "days": 30}).content.decode()
    assert "email “You left 2 items” (Cart, step Send an email #1)" in page
    assert "<td>2026-03-02 10:00 UTC</td><td>sim@example.com</td><td>completed Cart</td>" in page
    assert not (Contact.objects.exists() or Event.objects.exists() or Enrollment.objects.exists())
    broken = editor.post("/admin/drip/simulate/", {"events": "- at: soon\n  event: x", "email": "a@b.co",
                                                   "days": 30}).content.decode()
    assert "[0].at: &#x27;soon&#x27; is not a date-time" in broken
