"""SMS preview in the Wagtail editor: the text as the sample contact (or one
of the newest real contacts) gets it, with what it costs once merged."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...conf import drip_settings
from ...models import Contact
from ...rendering.errors import TemplateProblem
from ...rendering.preview import CONTACT_MODE, contact_merge_context, preview_contacts, sample_merge_context
from ...rendering.sandbox import render_template
from .content import OVER_CAP
from .segments import count_segments
from .widgets import status_text

SAMPLE_MODE = "sample"


def render_sms_body(body: str, merge: dict) -> str:
    """The text a contact gets: the body's template over their merge context; raises TemplateProblem."""
    return render_template(body, merge, autoescape=False).strip()


def sms_preview_modes() -> list[tuple[str, str]]:
    return [(SAMPLE_MODE, _("Sample contact"))] + [
        (f"{CONTACT_MODE}{contact.pk}", _("As %(contact)s") % {"contact": contact.phone or contact.email})
        for contact in preview_contacts()]


def sms_preview_context(body: str, mode_name: str) -> dict:
    merge = sample_merge_context()
    if mode_name.startswith(CONTACT_MODE):
        contact = Contact.objects.filter(pk=mode_name.removeprefix(CONTACT_MODE)).first()
        if contact is not None:
            merge = contact_merge_context(contact)
    try:
        text = render_sms_body(body, merge)
    except TemplateProblem as exc:
        return {"problem": str(exc)}
    counted, cap = count_segments(text), drip_settings.SMS_MAX_SEGMENTS
    return {"text": text, "status": status_text(counted),
            "over_cap": OVER_CAP % {"segments": counted.segments, "cap": cap} if counted.segments > cap else ""}
