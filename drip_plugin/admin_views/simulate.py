"""The simulator in the admin: what would be sent, and when — nothing is
sent or saved (see drip_plugin.engine.simulate)."""
from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ..engine.simulate import parse_event_stream, simulate_for

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


def simulate_view(request):
    if not request.user.has_perm("drip_plugin.change_sequence"):
        raise PermissionDenied
    form = SimulateForm(request.POST or None, initial={"events": EXAMPLE})
    timeline = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        timeline = simulate_for(data["stream"], email=data.get("email") or None, days=data["days"])
    return TemplateResponse(request, "drip_plugin/admin/simulate.html", {"form": form, "timeline": timeline})
