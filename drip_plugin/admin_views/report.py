"""The per-step report in the admin."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from ..analytics.reports import step_report


def report_view(request):
    if not request.user.has_perm("drip_plugin.view_sequence") and not request.user.has_perm(
            "drip_plugin.change_sequence"):
        raise PermissionDenied
    return TemplateResponse(request, "drip_plugin/admin/report.html", {"report": step_report()})
