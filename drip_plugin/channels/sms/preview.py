"""SMS preview in the Wagtail editor and on the test-send page: the text as
the sample contact (or a real contact, with their own latest cart) gets it,
with what it costs once merged."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...conf import drip_settings
from ...models import Contact
from ...rendering.errors import TemplateProblem
from ...rendering.preview import CONTACT_MODE, contact_merge_context, preview_contacts, sample_merge_context
from .content import OVER_CAP
from .render import render_sms_body
from .segments import count_segments
from .widgets import status_text

SAMPLE_MODE = "sample"


def sms_preview_modes() -> list[tuple[str, str]]:
    return [(SAMPLE_MODE, _("Sample contact"))] + [
        (f"{CONTACT_MODE}{contact.pk}", _("As %(contact)s") % {"contact": contact.phone or contact.email})
        for contact in preview_contacts()]


def merged_sms(body: str, contact: Contact | None = None) -> dict:
    """`body` merged for `contact` (else the sample contact), with its count and
    the over-cap warning; or the template's problem. Its links lead to a page
    saying the SMS was a preview or a test."""
    merge = contact_merge_context(contact) if contact else sample_merge_context()
    try:
        text = render_sms_body(body, merge)
    except TemplateProblem as exc:
        return {"problem": str(exc)}
    counted, cap = count_segments(text), drip_settings.SMS_MAX_SEGMENTS
    return {"text": text, "status": status_text(counted),
            "over_cap": OVER_CAP % {"segments": counted.segments, "cap": cap} if counted.segments > cap else ""}


def sms_preview_context(body: str, mode_name: str) -> dict:
    contact = None
    if mode_name.startswith(CONTACT_MODE):
        contact = Contact.objects.filter(pk=mode_name.removeprefix(CONTACT_MODE)).first()
    return merged_sms(body, contact)
