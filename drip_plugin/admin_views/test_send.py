"""Test send: the current draft of an email, to the editor (or a list), now,
rendered for the sample contact or as any real contact; or previewed on the page."""
from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.mail import get_connection
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ..conf import drip_settings
from ..delivery.compose import compose_test
from ..links.routes import test_send_links
from ..models import Contact, Email
from ..rendering import RenderedEmail, TemplateProblem, render_email
from ..rendering.languages import email_language
from ..rendering.preview import contact_merge_context, sample_merge_context
from .pages import SnippetDraftPage

logger = logging.getLogger("drip_plugin.admin")


class TestSendForm(forms.Form):
    recipients = forms.CharField(
        label=_("Send to"), required=False, help_text=_("One or more addresses, separated by commas."),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    as_contact = forms.CharField(
        label=_("Render as contact"), required=False, widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("The email address of one of your contacts: their name and latest cart, order or "
                    "subscription fill the email. Empty: a sample contact with a sample cart."),
    )

    def clean_recipients(self) -> list[str]:
        addresses = [a.strip() for a in self.cleaned_data["recipients"].split(",") if a.strip()]
        validator = forms.EmailField()
        for address in addresses:
            validator.clean(address)
        if not addresses or len(addresses) > 20:
            raise forms.ValidationError(_("Give between 1 and 20 addresses."))
        return addresses

    def clean_as_contact(self) -> Contact | None:
        address = self.cleaned_data["as_contact"].strip().lower()
        if not address:
            return None
        contact = Contact.objects.with_address(address).first()
        if contact is None:
            raise forms.ValidationError(_("No contact has the address %(email)s.") % {"email": address})
        return contact


def render_test(email: Email, contact: Contact | None = None) -> RenderedEmail:
    """The email as `contact` would get it (their latest cart/order), else as
    the sample contact; its links lead to a page saying it was a test."""
    links = test_send_links()
    merge = contact_merge_context(contact, links) if contact else sample_merge_context(email_language(email), links)
    return render_email(email, merge)


def send_test(email: Email, recipients: list[str], contact: Contact | None = None) -> None:
    """Render the draft (see render_test) and send it composed as every
    message is (List-Unsubscribe, List-Id), marked [TEST].

    Not recorded as a Message, so statistics never count it.
    """
    message = compose_test(render_test(email, contact), recipients, test_send_links())
    message.connection = get_connection(drip_settings.EMAIL_BACKEND)
    message.send()


class TestSendView(SnippetDraftPage):
    template_name = "drip_plugin/admin/test_send.html"
    page_title = _("Send a test")
    model = Email
    list_label = _("Emails")
    renders_contacts = True

    def get(self, request, *args, **kwargs):
        form = TestSendForm(initial={"recipients": request.user.email})
        return self.render_to_response(self.get_context_data(email=self.draft, form=form))

    def post(self, request, *args, **kwargs):
        form = TestSendForm(request.POST)
        context = self.get_context_data(email=self.draft, form=form)
        if "preview" in request.POST:
            form.is_valid()
            form.errors.pop("recipients", None)  # a preview sends nothing
            if "as_contact" not in form.errors:
                try:
                    context["preview"] = render_test(self.draft, form.cleaned_data["as_contact"])
                except TemplateProblem as exc:
                    messages.error(request, _("Cannot render: %(problem)s") % {"problem": exc})
        elif form.is_valid():
            try:
                send_test(self.draft, form.cleaned_data["recipients"], form.cleaned_data["as_contact"])
            except TemplateProblem as exc:
                messages.error(request, _("Not sent: %(problem)s") % {"problem": exc})
            except Exception as exc:  # the backend's error, shown instead of a 500
                logger.warning("test send of email %s failed: %s", self.snippet.pk, exc)
                messages.error(request, _("The email backend refused the test send: %(error)s") % {"error": exc})
            else:
                messages.success(request, _("Test sent to %(to)s.") % {"to": ", ".join(form.cleaned_data["recipients"])})
                return redirect(self.edit_url)
        return self.render_to_response(context)
