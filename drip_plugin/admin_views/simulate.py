"""The simulator in the admin: what would be sent, and when — nothing is
sent or saved (see drip_plugin.engine.simulate)."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from ..engine.simulate import best_time_of, parse_event_stream, simulate_for
from ..models import Sequence
from .pages import DripPage, ModelPermissionCheckedMixin

EXAMPLE = """- at: 2026-03-02T09:00:00Z
  event: checkout_updated
  properties: {checkout_id: c1, cart: {lines: [{name: Linen shirt, quantity: 1}]}}
- at: 2026-03-03T12:00:00Z
  event: order_completed
  properties: {order_id: o1, checkout_id: c1}
"""


class SimulateForm(forms.Form):
    CONTACT, STREAM = "contact", "stream"
    mode = forms.ChoiceField(
        label=_("Simulate"), widget=forms.RadioSelect, initial=CONTACT,
        choices=[(CONTACT, _("A contact's journeys: play this contact's current journeys forward from now")),
                 (STREAM, _("An event stream: play these events through the live sequences"))],
    )
    email = forms.EmailField(
        label=_("Contact email"), required=False,
        help_text=_("A contact's journeys: whose. An event stream: the address of events that name none."),
    )
    events = forms.CharField(
        label=_("Event stream (YAML)"), required=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": EXAMPLE}),
        help_text=_("A list of {at, event, email, properties}, as in the example; used only for an event stream."),
    )
    days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=730, initial=90)

    def clean(self):
        data = super().clean()
        data["stream"] = []
        if data.get("mode") == self.CONTACT:
            if not data.get("email"):
                self.add_error("email", _("Give the contact's email."))
        elif data.get("mode") == self.STREAM:
            if not data.get("events", "").strip():
                self.add_error("events", _("Write the events to play (see the example)."))
            else:
                try:
                    data["stream"] = parse_event_stream(data["events"], default_email=data.get("email"))
                except ValueError as exc:
                    self.add_error("events", str(exc))
        return data


class SimulateView(ModelPermissionCheckedMixin, DripPage, FormView):
    model = Sequence
    page_title = _("Simulate")
    header_icon = "time"
    permission_required = "change"
    form_class = SimulateForm
    template_name = "drip_plugin/admin/simulate.html"

    def form_valid(self, form):
        data = form.cleaned_data
        contact = data["email"] if data["mode"] == SimulateForm.CONTACT else None
        timeline = simulate_for(data["stream"], email=contact, days=data["days"])
        best_time = best_time_of(contact, timezone.now()) if contact else None
        return self.render_to_response(self.get_context_data(form=form, timeline=timeline, best_time=best_time))
