"""Failed messages in the admin, with their reason and a bulk retry. A
message whose outcome is unknown (the ESP may have it) is retried only when
the editor ticks the box that names the risk of a duplicate."""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _, ngettext
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BaseColumn, Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.permission_policies import ModelPermissionPolicy

from ..health.figures import failure_reason
from ..health.retry import retry_failed
from ..models import Message, Sequence
from ..models.messages import MessageStatus

RETRY_FORM_ID = "drip-retry-form"
# Retrying is changing what a sequence sends: the sequence permission decides.
permission_policy = ModelPermissionPolicy(Sequence)


def failed_messages():
    return (Message.objects.filter(status=MessageStatus.FAILED)
            .annotate(reason=failure_reason())
            .select_related("enrollment__contact", "enrollment__sequence", "step__email"))


def reason_choices():
    reasons = Message.objects.filter(status=MessageStatus.FAILED).annotate(reason=failure_reason()).order_by(
        "reason").values_list("reason", flat=True).distinct()
    return [(reason, reason) for reason in reasons]


class FailedMessageFilterSet(WagtailFilterSet):
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=reason_choices, field_name="reason")

    class Meta:
        model = Message
        fields = []


class RetryCheckboxColumn(BaseColumn):
    cell_template_name = "drip_plugin/admin/failed_checkbox_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        return {**super().get_cell_context_data(instance, parent_context), "form_id": RETRY_FORM_ID}


class ContactColumn(Column):
    cell_template_name = "drip_plugin/admin/contact_link_cell.html"


class FailedMessagesView(IndexView):
    model = Message
    permission_policy = permission_policy
    any_permission_required = ["change"]
    template_name = "drip_plugin/admin/failed_messages.html"
    index_url_name = "drip_plugin_failed_messages"
    index_results_url_name = "drip_plugin_failed_messages_results"
    page_title = _("Failed messages")
    header_icon = "warning"
    filterset_class = FailedMessageFilterSet
    default_ordering = "-failed_at"
    paginate_by = 50

    def get_base_queryset(self):
        return failed_messages()

    @cached_property
    def columns(self):
        return [
            RetryCheckboxColumn("select", label=_("Retry")),
            Column("reason", label=_("Reason")),
            ContactColumn("contact", label=_("Contact"), accessor="enrollment.contact"),
            Column("sequence", label=_("Sequence"), accessor="enrollment.sequence"),
            Column("step", label=_("Step"), accessor="step"),
            DateColumn("failed_at", label=_("Failed at"), sort_key="failed_at"),
            Column("error", label=_("Error")),
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "retry_form": RetryForm(), "retry_form_id": RETRY_FORM_ID,
                "retry_url": reverse("drip_plugin_failed_messages_retry")}


class RetryForm(forms.Form):
    messages = forms.ModelMultipleChoiceField(queryset=Message.objects.filter(status=MessageStatus.FAILED),
                                              widget=forms.MultipleHiddenInput)
    confirm_duplicate_risk = forms.BooleanField(
        required=False, label=_("Also retry messages whose outcome is unknown: the email service may already "
                                "have sent them, so their contacts may get the email twice."))


@require_POST
def retry_view(request):
    if not permission_policy.user_has_permission(request.user, "change"):
        raise PermissionDenied
    form = RetryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one failed message to retry."))
        return redirect("drip_plugin_failed_messages")
    result = retry_failed([m.pk for m in form.cleaned_data["messages"]], timezone.now(),
                          confirm_duplicate_risk=form.cleaned_data["confirm_duplicate_risk"],
                          actor=f"admin ({request.user.get_username()})")
    messages.success(request, ngettext("%(count)d message queued again.", "%(count)d messages queued again.",
                                       result.requeued) % {"count": result.requeued})
    if result.kept_outcome_unknown:
        messages.warning(request, ngettext(
            "%(count)d message of unknown outcome was not retried: tick the box that accepts the risk of a "
            "duplicate to retry it.",
            "%(count)d messages of unknown outcome were not retried: tick the box that accepts the risk of a "
            "duplicate to retry them.", result.kept_outcome_unknown) % {"count": result.kept_outcome_unknown})
    return redirect("drip_plugin_failed_messages")
