"""drip's panel on Wagtail's home page: today's sends and failures, the
queue, the lag and the sequences that earned most over the last week."""
from __future__ import annotations

from django.utils import timezone
from wagtail.admin.ui.components import Component

from ..health.dashboard import REVENUE_DAYS, dashboard_figures


class DripDashboardPanel(Component):
    name = "drip_dashboard"
    order = 150
    template_name = "drip_plugin/admin/dashboard_panel.html"

    def get_context_data(self, parent_context):
        return {"figures": dashboard_figures(timezone.now()), "revenue_days": REVENUE_DAYS}
