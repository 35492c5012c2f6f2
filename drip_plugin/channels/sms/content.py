"""Checking an SMS body before it is saved: its template (merge fields, as
emails are checked) and what it costs against SMS_MAX_SEGMENTS. Merge fields
count as written: the cap holds for the text the editor sees."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...conf import drip_settings
from ...rendering.validation import template_problems
from .segments import count_segments


def normalised_newlines(text: str) -> str:
    """A form posts a textarea's line breaks as CR LF, while the editor's
    counter (the textarea's value) sees LF: stored as LF, the SMS sent and the
    count shown are the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Also worded live by the editor's counter (widgets.py passes it on untranslated placeholders and all).
OVER_CAP = _("This SMS takes %(segments)s segments, over the cap of %(cap)s per message: shorten it.")


def sms_body_problems(body: str) -> list[str]:
    """Every problem of the body, each as a sentence for the editor; empty when it can be sent."""
    problems = [str(problem) for problem in template_problems(body)]
    counted, cap = count_segments(normalised_newlines(body)), drip_settings.SMS_MAX_SEGMENTS
    if counted.segments > cap:
        problems.append(OVER_CAP % {"segments": counted.segments, "cap": cap})
    return problems
