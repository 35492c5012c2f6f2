"""Issue 4: cart journey — debounce, exit on order with the same checkout, one journey per cart."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.models import Enrollment
from drip_plugin.scheduling import tick


@pytest.fixture
def cart_flow(flow):
    return flow("checkout_updated", [
        {"subject": "You left {{ cart.lines|length }} items", "delay_amount": 1, "delay_unit": "hours"},
        {"subject": "Still thinking?", "delay_amount": 24, "delay_unit": "hours"},
    ], journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30)


def update_cart(checkout: str, lines: int, n: int = 0):
    return track("checkout_updated", email="cat@example.com",
                 properties={"checkout_id": checkout, "cart": {"lines": [{"name": f"item {i}"} for i in range(lines)]}},
                 idempotency_key=f"{checkout}-{n}")


def test_cart_journey_five_updates_in_ten_minutes_send_one_email_timed_from_the_last(cart_flow, clock):
    for n in range(5):
        update_cart("c1", lines=n + 1, n=n)
        clock.shift(dt.timedelta(minutes=2, seconds=30))
    # last update was at +10 min; the first email is due one hour after it.
    assert Enrollment.objects.count() == 1
    clock.shift(dt.timedelta(minutes=60 - 2, seconds=-30 - 1))
    tick()
    assert mail.outbox == []
    clock.shift(dt.timedelta(seconds=1))
    tick()
    assert [m.subject for m in mail.outbox] == ["You left 5 items"]


def test_cart_journey_order_with_same_checkout_exits_and_no_further_email(cart_flow, clock):
    update_cart("c1", lines=2)
    clock.shift(dt.timedelta(hours=1))
    tick()
    assert len(mail.outbox) == 1
    track("order_completed", email="cat@example.com", properties={"order_id": "o1", "checkout_id": "c1"})
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "exit event order_completed")
    clock.shift(dt.timedelta(days=3))
    tick()
    assert len(mail.outbox) == 1


def test_cart_journey_order_for_another_checkout_does_not_exit(cart_flow, clock):
    update_cart("c1", lines=1)
    track("order_completed", email="cat@example.com", properties={"order_id": "o9", "checkout_id": "other"})
    assert Enrollment.objects.get().state == "active"


def test_cart_journey_a_second_cart_is_a_second_journey(cart_flow, clock):
    update_cart("c1", lines=1, n=1)
    update_cart("c2", lines=2, n=2)
    assert sorted(Enrollment.objects.values_list("object_key", flat=True)) == ["c1", "c2"]
    clock.shift(dt.timedelta(hours=1))
    tick()
    assert sorted(m.subject for m in mail.outbox) == ["You left 1 items", "You left 2 items"]


def test_event_without_the_journey_property_starts_nothing(flow, clock, caplog):
    flow("basket_saved", [{"subject": "Your basket"}], journey_per="basket_id")
    track("basket_saved", email="cat@example.com", properties={"lines": []})
    assert not Enrollment.objects.exists()
    assert "lacks basket_id" in caplog.text


def test_an_exit_event_ends_only_journeys_started_before_it(flow, clock):
    flow("plan_changed", [{"subject": "Your new plan"}], journey_per="subscription_id",
         exit_events="subscription_cancelled")
    track("subscription_cancelled", email="sub@example.com", properties={"subscription_id": "s1"})
    clock.shift(dt.timedelta(days=30))
    track("plan_changed", email="sub@example.com", properties={"subscription_id": "s1"})
    assert Enrollment.objects.get().state == "active", "resubscribed later with the same id"


def test_journey_key_with_non_ascii_digits_does_not_crash(cart_flow, clock):
    track("order_completed", email="cat@example.com", properties={"order_id": "o²", "checkout_id": "²"})
    update_cart("²", lines=1)
    assert not Enrollment.objects.exists(), "the order for that checkout came first"


def test_an_old_exit_event_delivered_late_does_not_end_a_newer_journey(flow, clock):
    flow("signed_up", [{"subject": "Welcome", "delay_amount": 1, "delay_unit": "days"}],
         exit_events="order_completed")
    track("signed_up", email="new@example.com")
    track("order_completed", email="new@example.com", occurred_at=clock_now() - dt.timedelta(days=7),
          properties={"order_id": "o-old"})
    assert Enrollment.objects.get().state == "active"


def test_the_order_of_the_same_cart_ends_its_journey_whatever_the_clocks_wrote(cart_flow, clock):
    update_cart("c1", lines=1)  # the host's clock
    track("order_completed", email="cat@example.com", occurred_at=clock_now() - dt.timedelta(seconds=30),
          properties={"order_id": "o1", "checkout_id": "c1"})  # Saleor's, 30 s behind
    assert Enrollment.objects.get().state == "exited"


def test_a_cart_email_waiting_to_retry_does_not_go_once_the_order_ended_the_journey(cart_flow, clock, settings):
    from drip_plugin.models import Message

    update_cart("c1", lines=1)
    clock.shift(dt.timedelta(hours=1))
    tick()
    (message,) = mail.outbox
    Message.objects.update(status="retry_scheduled", send_after=clock_now() + dt.timedelta(minutes=5))
    mail.outbox.clear()  # as if the ESP had answered 503
    track("order_completed", email="cat@example.com", properties={"order_id": "o1", "checkout_id": "c1"})
    clock.shift(dt.timedelta(minutes=5))
    tick()
    assert mail.outbox == []
    assert Message.objects.get().status == "suppressed"
    assert Message.objects.get().error == "the journey ended: exit event order_completed"


def clock_now():
    from django.utils import timezone

    return timezone.now()


def test_a_cart_update_racing_the_tick_does_not_move_the_next_step(cart_flow, clock):
    from drip_plugin.engine.enrollment import _restart_wait

    first = update_cart("c1", lines=1, n=1)
    stale = Enrollment.objects.select_related("sequence", "trigger_event", "contact").get()  # read by track()…
    clock.shift(dt.timedelta(hours=1))
    tick()  # …while a tick sends step 1 and times step 2, 24 hours on
    step_two_due = Enrollment.objects.get().due_at
    clock.shift(dt.timedelta(minutes=20))
    later = track("checkout_updated", email="cat@example.com", occurred_at=first.occurred_at + dt.timedelta(minutes=20),
                  properties={"checkout_id": "c9", "cart": {"lines": []}}, idempotency_key="other-cart")
    _restart_wait(stale, later)
    journey = Enrollment.objects.get(object_key="c1")
    assert journey.due_at == step_two_due and journey.trigger_event == later
