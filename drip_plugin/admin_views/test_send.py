"""Test send: the current draft of an email, to the editor (or a list), now."""
from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives, get_connection
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..conf import drip_settings
from ..models import Email
from ..rendering import TemplateProblem, render_email
from ..rendering.languages import email_language
from ..rendering.preview import sample_merge_context

logger = logging.getLogger("drip_plugin.admin")


class TestSendForm(forms.Form):
    recipients = forms.CharField(
        label=_("Send to"), help_text=_("One or more addresses, separated by commas."),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def clean_recipients(self):
        addresses = [a.strip() for a in self.cleaned_data["recipients"].split(",") if a.strip()]
        validator = forms.EmailField()
        for address in addresses:
            validator.clean(address)
        if not addresses or len(addresses) > 20:
            raise forms.ValidationError(_("Give between 1 and 20 addresses."))
        return addresses


def send_test(email: Email, recipients: list[str]) -> None:
    """Render the draft for the sample contact and send it, marked [TEST].

    Not recorded as a Message, so statistics never count it.
    """
    rendered = render_email(email, sample_merge_context(email_language(email)))
    message = EmailMultiAlternatives(
        subject=f"[TEST] {rendered.subject}", body=rendered.text, from_email=drip_settings.from_email,
        to=recipients, connection=get_connection(drip_settings.EMAIL_BACKEND),
    )
    message.attach_alternative(rendered.html, "text/html")
    message.tags = ["drip-test"]
    message.send()


def test_send_view(request, pk: int):
    email = get_object_or_404(Email, pk=pk)
    if not request.user.has_perm("drip_plugin.change_email"):
        raise PermissionDenied
    draft = email.get_latest_revision_as_object()
    form = TestSendForm(request.POST or None, initial={"recipients": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            send_test(draft, form.cleaned_data["recipients"])
        except TemplateProblem as exc:
            messages.error(request, _("Not sent: %(problem)s") % {"problem": exc})
        except Exception as exc:  # the backend's error, shown instead of a 500
            logger.warning("test send of email %s failed: %s", email.pk, exc)
            messages.error(request, _("The email backend refused the test send: %(error)s") % {"error": exc})
        else:
            messages.success(request, _("Test sent to %(to)s.") % {"to": ", ".join(form.cleaned_data["recipients"])})
            return redirect(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]))
    return TemplateResponse(request, "drip_plugin/admin/test_send.html", {"email": draft, "form": form})
