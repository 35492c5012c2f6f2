"""The SMS body's textarea with its live character and segment counter."""
from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from ...conf import drip_settings
from .content import OVER_CAP, normalised_newlines
from .segments import CONCATENATED, GSM_BASIC, GSM_EXTENSION, SINGLE, Segments, count_segments

STATUS = _("Characters: %(characters)s · %(encoding)s · Segments: %(segments)s (%(remaining)s left in the last one)")
MERGE_FIELDS_NOTE = _("Merge fields count as written: %(example)s counts %(length)s characters here, whatever the "
                      "name; the preview shows the SMS as a contact gets it, with its own count.")
MERGE_FIELD_EXAMPLE = "{{ contact.first_name }}"
# Shown when the units differ from the characters: € [ ] { } ^ ~ | \ in GSM-7, emoji in UCS-2.
COUNTED_AS = _(" · counted as %(units)s")


def status_text(counted: Segments) -> str:
    values = vars(counted)
    return str(STATUS) % values + (str(COUNTED_AS) % values if counted.units != counted.characters else "")


class SMSBodyTextarea(forms.Textarea):
    """Counts as the editor types (static/drip_plugin/sms_counter.js), by the
    rules of segments.py, whose tables and limits it passes to the script; the
    first count is rendered here, so it shows without JavaScript too."""

    template_name = "drip_plugin/admin/sms_body_widget.html"

    class Media:
        js = ["drip_plugin/sms_counter.js"]

    def __init__(self, attrs=None):
        super().__init__({"rows": 5, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        counted = count_segments(normalised_newlines(self.format_value(value) or ""))
        cap = drip_settings.SMS_MAX_SEGMENTS
        rules = {"basic": GSM_BASIC, "extension": GSM_EXTENSION, "single": SINGLE, "concatenated": CONCATENATED,
                 "maxSegments": cap,
                 "labels": {"status": str(STATUS), "countedAs": str(COUNTED_AS), "overCap": str(OVER_CAP)}}
        context["widget"]["attrs"]["data-drip-sms-counter"] = json.dumps(rules, ensure_ascii=False)
        context["sms"] = {"status": status_text(counted),
                          "over_cap": str(OVER_CAP) % {"segments": counted.segments, "cap": cap}
                          if counted.segments > cap else "",
                          "merge_fields_note": MERGE_FIELDS_NOTE % {"example": MERGE_FIELD_EXAMPLE,
                                                                    "length": len(MERGE_FIELD_EXAMPLE)}}
        return context

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return normalised_newlines(value) if isinstance(value, str) else value
