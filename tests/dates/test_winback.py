"""Win-back: "no order for N days" from an indexed last-order timestamp, once per lapse."""
from __future__ import annotations

import datetime as dt

import pytest

from drip_plugin import track
from drip_plugin.models import Contact, Event
from drip_plugin.scheduling import tick

DAY = dt.timedelta(days=1)


@pytest.fixture
def winback_30_days(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WINBACK_DAYS": 30}


def winbacks():
    return list(Event.objects.filter(name="winback_due").values_list("properties", flat=True))


def test_winback_fires_once_after_n_days_without_order(db, clock, winback_30_days):
    order = track("order_completed", email="olga@example.com", properties={"order_id": "o1"})
    assert Contact.objects.get().last_order_at == order.occurred_at

    clock.shift(30 * DAY - dt.timedelta(seconds=1))
    tick()
    assert winbacks() == []
    clock.shift(dt.timedelta(seconds=1))
    tick()
    tick()
    assert winbacks() == [{"days_since_order": 30, "last_order_at": order.occurred_at.isoformat()}]
    clock.shift(400 * DAY)
    tick()
    assert len(winbacks()) == 1, "one win-back per lapse"


def test_winback_does_not_fire_when_an_order_came_and_restarts_from_the_last_order(db, clock, winback_30_days):
    first = track("order_completed", email="olga@example.com", properties={"order_id": "o1"})
    clock.shift(20 * DAY)
    second = track("order_completed", email="olga@example.com", properties={"order_id": "o2"})
    # A late webhook of an older order moves nothing back.
    track("order_completed", email="olga@example.com", properties={"order_id": "o0"},
          occurred_at=first.occurred_at - DAY)
    clock.shift(10 * DAY)  # 30 days after the first order
    tick()
    assert winbacks() == []
    clock.shift(20 * DAY)  # 30 days after the second
    tick()
    assert [w["last_order_at"] for w in winbacks()] == [second.occurred_at.isoformat()]

    # A new order after the win-back starts a new lapse: a second win-back later.
    track("order_completed", email="olga@example.com", properties={"order_id": "o3"})
    clock.shift(30 * DAY)
    tick()
    assert len(winbacks()) == 2


def test_winback_off_when_winback_days_is_none(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WINBACK_DAYS": None}
    track("order_completed", email="olga@example.com", properties={"order_id": "o1"})
    clock.shift(1000 * DAY)
    tick()
    assert winbacks() == []
    assert Contact.objects.get().last_order_at is not None
