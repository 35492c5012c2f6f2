"""Test send of an SMS text: its latest draft, merged for the sample contact
or as a real contact, to the editor's own phone through the SMS channel's
provider; or previewed on the page."""
from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ..channels.sms import twilio
from ..channels.sms.preview import merged_sms
from ..channels.sms.senders import sender_for
from ..exceptions import InvalidEvent
from ..ingest.identify import clean_phone
from ..models import SmsText
from .pages import SnippetDraftPage
from .test_send import TestSendForm

logger = logging.getLogger("drip_plugin.admin")
# The last number a test went to, offered again (an editor tests on their own phone).
SESSION_PHONE = "drip_sms_test_phone"


class SmsTestSendForm(TestSendForm):
    recipients = None  # an email's recipients; an SMS goes to one phone
    phone = forms.CharField(label=_("Send to"), required=False, max_length=40,
                            help_text=_("Your phone number, written internationally: +33612345678."))
    field_order = ["phone", "as_contact"]

    def clean_phone(self) -> str:
        try:
            phone = clean_phone(self.cleaned_data["phone"])
        except InvalidEvent as exc:
            raise ValidationError(str(exc)) from None
        if not phone:
            raise ValidationError(_("Give the phone number the test goes to."))
        return phone


def send_sms_test(text: SmsText, phone: str, contact=None) -> str:
    """Merge the draft (see merged_sms) and send it to `phone` through the
    provider, from the sender for its country; returns the provider's id.
    Not recorded as a Message, so statistics never count it; no consent is
    asked: it goes to the editor's own phone."""
    merged = merged_sms(text.body, contact)
    if "problem" in merged:
        raise ValidationError(merged["problem"])
    return twilio.send_sms(to=phone, body=merged["text"], sender=sender_for(phone))


class SmsTestSendView(SnippetDraftPage):
    template_name = "drip_plugin/admin/sms_test_send.html"
    page_title = _("Send a test SMS")
    header_icon = "mobile-alt"
    model = SmsText
    list_label = _("SMS texts")
    renders_contacts = True

    def get(self, request, *args, **kwargs):
        form = SmsTestSendForm(initial={"phone": request.session.get(SESSION_PHONE, "")})
        return self.render_to_response(self.get_context_data(sms_text=self.draft, form=form))

    def post(self, request, *args, **kwargs):
        form = SmsTestSendForm(request.POST)
        context = self.get_context_data(sms_text=self.draft, form=form)
        if "preview" in request.POST:
            form.is_valid()
            form.errors.pop("phone", None)  # a preview sends nothing
            if "as_contact" not in form.errors:
                context["preview"] = merged_sms(self.draft.body, form.cleaned_data["as_contact"])
            return self.render_to_response(context)
        if not form.is_valid():
            return self.render_to_response(context)
        phone = form.cleaned_data["phone"]
        try:
            send_sms_test(self.draft, phone, form.cleaned_data["as_contact"])
        except ValidationError as exc:
            # Escaped: they quote the editor's text or the provider's answer (Wagtail 7.0 shows messages as HTML).
            messages.error(request, escape(_("Not sent: %(problem)s") % {"problem": exc.messages[0]}))
        except Exception as exc:  # the provider's (or its settings') error, shown instead of a 500
            logger.warning("test send of SMS text %s failed: %s", self.snippet.pk, exc)
            messages.error(request, escape(_("The SMS provider refused the test send: %(error)s") % {"error": exc}))
        else:
            request.session[SESSION_PHONE] = phone
            messages.success(request, _("Test SMS sent to %(phone)s.") % {"phone": phone})
            return redirect(self.edit_url)
        return self.render_to_response(context)
