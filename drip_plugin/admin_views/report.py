"""The per-step report in the admin."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import PermissionCheckedMixin

from ..analytics.reports import step_report
from ..models import Sequence
from .pages import DripPage


class ReportView(PermissionCheckedMixin, DripPage, TemplateView):
    model = Sequence  # (its permission policy)
    page_title = _("Report")
    header_icon = "table"
    any_permission_required = ["view", "change"]
    template_name = "drip_plugin/admin/report.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report": step_report()}
