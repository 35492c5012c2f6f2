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
    page = editor.post("/admin/drip/simulate/", {"mode": "stream", "events": STREAM, "days": 30}).content.decode()
    assert "email “You left 2 items” (Cart, step Send an email #1)" in page
    assert "<td>2026-03-02 10:00 UTC</td><td>sim@example.com</td><td>completed Cart</td>" in page
    assert not (Contact.objects.exists() or Event.objects.exists() or Enrollment.objects.exists())
    broken = editor.post("/admin/drip/simulate/", {"mode": "stream", "events": "- at: soon\n  event: x", "email": "a@b.co",
                                                   "days": 30}).content.decode()
    assert "[0].at: &#x27;soon&#x27; is not a date-time" in broken


def test_simulate_modes_are_exclusive_and_no_sample_stream_overrides_the_contact(editor):
    """Issue 17: a contact's journeys, or an event stream — never both, and the
    example stream is a placeholder, not a value that would be played."""
    build_sequence("Cart", "checkout_updated", [{"subject": "Your cart", "delay_amount": 1, "delay_unit": "hours"}],
                   journey_per="checkout_id")
    page = editor.get("/admin/drip/simulate/").content.decode()
    assert "A contact&#x27;s journeys" in page and "An event stream" in page
    assert "checkout_updated</textarea>" not in page, "the example is not a pre-filled value"
    as_contact = editor.post("/admin/drip/simulate/", {"mode": "contact", "email": "nobody@shop.test",
                                                       "events": STREAM, "days": 30}).content.decode()
    assert "Nothing would happen." in as_contact, "the stream typed beside a contact is not played"
    assert "Give the contact&#x27;s email." in editor.post(
        "/admin/drip/simulate/", {"mode": "contact", "email": "", "days": 30}).content.decode()
