"""Opens, clicks, conversions and revenue per step, measured back in the admin."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from drip_plugin import track
from drip_plugin.models import Message
from drip_plugin.analytics.reports import step_report
from drip_plugin.scheduling import tick
from tests.factories import build_sequence
from tests.analytics.test_conversions import engage


def test_report_counts_opens_clicks_conversions_and_revenue_per_step(db, clock, admin_client):
    build_sequence(steps=[(0, "days", "One"), (1, "days", "Two")])
    for name in ("ann", "bob", "cat"):
        track("signed_up", email=f"{name}@example.com")
    tick()
    ann, bob, cat = Message.objects.order_by("to_email")
    engage(ann, "opened")
    engage(ann, "opened")  # twice: one opened message
    engage(bob, "opened")
    engage(bob, "clicked")
    engage(cat, "rejected")
    engage(cat, "bounced")  # rejected and bounced: one bounced message
    track("order_completed", email="bob@example.com",
          properties={"order_id": "o1", "order": {"total": "40.00", "currency": "EUR"}})
    clock.shift(dt.timedelta(days=1))
    tick()  # step two goes to ann and bob; cat's bounce suppressed her and ended her journey

    with CaptureQueriesContext(connection) as queries:
        (welcome,) = step_report()
    one, two = welcome.steps
    assert (one.sent, one.opened, one.clicked, one.bounced, one.converted) == (3, 2, 1, 1, 1)
    assert one.revenue == {"EUR": Decimal("40.00")} and one.opened_rate == "66.7 %"
    assert (two.sent, two.opened, two.converted, two.revenue) == (2, 0, 0, {})
    assert len(queries) == 6, "grouped queries (the steps' variants one of them), not one per message or step"

    page = admin_client.get("/admin/drip/report/").content.decode()
    assert "Welcome" in page and "40.00 EUR" in page and "66.7 %" in page
