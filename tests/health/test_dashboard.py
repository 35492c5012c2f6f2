"""Issue 19: drip's panel on Wagtail's home page."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import RequestFactory
from django.utils import timezone
from wagtail import hooks

from drip_plugin import track
from drip_plugin.admin_views.dashboard import DripDashboardPanel
from drip_plugin.analytics.aggregates import backfill
from drip_plugin.health.dashboard import SequenceRevenue, dashboard_figures
from drip_plugin.models import Message
from drip_plugin.scheduling import tick

from .seed import seed_health


def seed_revenue(messages, now):
    """Revenue set on the rows, then the aggregates the panel reads rebuilt from them."""
    Message.objects.filter(pk=messages["c6"].pk).update(revenue=Decimal("50.00"), revenue_currency="EUR")
    Message.objects.filter(pk=messages["c7"].pk).update(revenue=Decimal("20.00"), revenue_currency="EUR")
    # Sent eight days ago: outside the seven days.
    Message.objects.filter(pk=messages["c8"].pk).update(revenue=Decimal("1000.00"), revenue_currency="EUR",
                                                        sent_at=now - dt.timedelta(days=8))
    backfill()


def test_point3_dashboard_figures_match_seeded_data(db, clock):
    now = timezone.now()
    messages = seed_health(now)
    # Sent yesterday: not today (c8 was sent eight days ago, c6 and c7 today).
    Message.objects.filter(pk=messages["c9"].pk).update(sent_at=now - dt.timedelta(days=1))
    # Failed yesterday: not today (c0 to c3 failed now).
    c5 = messages["c5"]
    Message.objects.filter(pk=c5.pk).update(status="failed", failed_at=now - dt.timedelta(days=1),
                                            send_after=now + dt.timedelta(minutes=10), error="Boom: x")
    seed_revenue(messages, now)
    figures = dashboard_figures(now)
    assert (figures.sent_today, figures.failed_today, figures.queue_depth) == (2, 4, 1)
    assert figures.lag_seconds == 120
    sequence_id = messages["c6"].enrollment.sequence_id
    assert figures.top_sequences == [SequenceRevenue(sequence_id, "Welcome", "EUR", Decimal("70.00"))]


def test_point3_dashboard_panel_renders_on_the_home_page_hook_with_bounded_queries(
        db, clock, admin_user, django_assert_max_num_queries):
    now = timezone.now()
    seed_revenue(seed_health(now), now)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    panels = []
    for hook in hooks.get_hooks("construct_homepage_panels"):
        hook(request, panels)
    panel = next(p for p in panels if isinstance(p, DripDashboardPanel))
    with django_assert_max_num_queries(5):
        html = panel.render_html({"request": request})
    assert "<strong>4</strong> failures today" in html and "<strong>2</strong> messages queued" in html
    assert "Welcome" in html and "70.00 EUR" in html and "<strong>120 s</strong>" in html

    # More data, same number of queries: 30 more sent, and c4 (queued, due) with them; with c6, c7, c9: 34.
    for n in range(30):
        track("signed_up", email=f"more{n}@example.com")
    tick()
    with django_assert_max_num_queries(5):
        assert "<strong>34</strong> emails sent today" in panel.render_html({"request": request})
