"""The simulator in the admin: what would be sent, and when — nothing is
sent or saved (see drip_plugin.engine.simulate)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic import PermissionCheckedMixin

from ..engine.simulate import parse_event_stream, simulate_for
from ..models import Sequence

EXAMPLE = """- at: 2026-03-02T09:00:00Z
  event: checkout_updated
  properties: {checkout_id: c1, cart: {lines: [{name: Linen shirt, quantity: 1}]}}
- at: 2026-03-03T12:00:00Z
  event: order_completed
  properties: {order_id: o1, checkout_id: c1}
"""


class SimulateForm(forms.Form):
    email = forms.EmailField(
        label=_("Contact email"), required=False,
        help_text=_("Alone: play this contact's current journeys forward. With events: the default address."),
    )
    events = forms.CharField(
        label=_("Event stream (YAML)"), required=False, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("A list of {at, event, email, properties}; leave empty to simulate the contact above."),
    )
    days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=730, initial=90)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("events", "").strip():
            raise forms.ValidationError(_("Give a contact email, an event stream, or both."))
        try:
            data["stream"] = (parse_event_stream(data["events"], default_email=data.get("email"))
                              if data.get("events", "").strip() else [])
        except ValueError as exc:
            self.add_error("events", str(exc))
        return data


class SimulateView(PermissionCheckedMixin, FormView):
    model = Sequence  # (its permission policy)
    permission_required = "change"
    form_class = SimulateForm
    initial = {"events": EXAMPLE}
    template_name = "drip_plugin/admin/simulate.html"

    def form_valid(self, form):
        data = form.cleaned_data
        timeline = simulate_for(data["stream"], email=data.get("email") or None, days=data["days"])
        return self.render_to_response(self.get_context_data(form=form, timeline=timeline))
