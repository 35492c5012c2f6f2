"""The reports in the admin: every sequence's all-time figures, and one
sequence's report over a date range (funnel, charts, exports)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.permission_policies import ModelPermissionPolicy

from ..analytics.aggregates import site_day
from ..analytics.experiments import experiment_panels, goal_figures, revert_decision
from ..analytics.report_files import currencies, daily_chart, export, funnel_chart
from ..analytics.reports import step_report
from ..analytics.sequence_report import Period, sequence_report
from ..models import ExperimentDecision, Sequence
from .pages import DripPage, ModelPermissionCheckedMixin

MAX_DAYS = 366
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ReportView(ModelPermissionCheckedMixin, DripPage, TemplateView):
    model = Sequence
    any_permission_required = ["view", "change"]
    template_name = "drip_plugin/admin/report.html"
    page_title = _("Report")
    header_icon = "table"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report": step_report()}


class PeriodForm(forms.Form):
    days = forms.ChoiceField(choices=[("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days")),
                                      ("custom", _("custom"))], required=False, initial="30")
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("days") == "custom":
            start, end = data.get("start"), data.get("end")
            if not (start and end):
                raise forms.ValidationError(_("A custom range needs a start and an end."))
            if end < start or (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("The end must follow the start, at most %(n)d days later.")
                                            % {"n": MAX_DAYS - 1})
        return data

    def period(self) -> Period:
        """The chosen range, ending today (site's TIME_ZONE) unless custom; 30 days when invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("days") == "custom":
            return Period(data["start"], data["end"])
        today = site_day(timezone.now())
        return Period(today - dt.timedelta(days=int(data.get("days") or 30) - 1), today)


class SequenceReportView(ModelPermissionCheckedMixin, DripPage, TemplateView):
    model = Sequence
    any_permission_required = ["view", "change"]
    template_name = "drip_plugin/admin/sequence_report.html"
    page_title = _("Sequence report")
    header_icon = "table"

    def dispatch(self, request, *args, pk: int, **kwargs):
        self.sequence = get_object_or_404(Sequence, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.sequence.name

    def get_parent_crumbs(self):
        return [{"url": reverse("drip_plugin_report"), "label": _("Report")}]

    def get(self, request, *args, **kwargs):
        form = PeriodForm(request.GET or None)
        report = sequence_report(self.sequence, form.period())
        file_format = request.GET.get("export")
        if file_format in CONTENT_TYPES:
            response = HttpResponse(export(report, file_format), content_type=CONTENT_TYPES[file_format])
            response["Content-Disposition"] = (f'attachment; filename="drip-report-{self.sequence.pk}-'
                                               f'{report.period.start}-{report.period.end}.{file_format}"')
            return response
        return self.render_to_response(self.get_context_data(
            form=form, report=report, currencies=currencies(report), daily_chart=daily_chart(report),
            funnel_chart=funnel_chart(report), query=request.GET.urlencode(),
            experiments=experiment_panels(self.sequence), goal=goal_figures(self.sequence)))


@require_POST
def revert_decision_view(request, pk: int):
    """An editor takes an auto-winner back: new sends follow the weights again."""
    if not ModelPermissionPolicy(Sequence).user_has_permission(request.user, "change"):
        raise PermissionDenied
    decision = get_object_or_404(ExperimentDecision.objects.select_related("step"), pk=pk)
    revert_decision(decision, request.user.get_username(), timezone.now())
    messages.success(request, _("The decision is reverted: new sends follow the variants' weights again."))
    return redirect("drip_plugin_sequence_report", pk=decision.step.sequence_id)
