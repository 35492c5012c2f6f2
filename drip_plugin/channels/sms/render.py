"""An SMS as its contact gets it: the text's template over the merge context."""
from __future__ import annotations

from ...models import Message
from ...rendering.context import merge_context
from ...rendering.errors import TemplateProblem
from ...rendering.sandbox import freeze, render_template


def render_sms(message: Message) -> str:
    """The text of `message`'s SmsText for its contact; raises TemplateProblem."""
    text = message.sms_text()
    if text is None:
        raise TemplateProblem("the step or its SMS text was deleted before the message went out")
    if not text.live:
        raise TemplateProblem(f"SMS text {text.name!r} is not published")
    enrollment = message.enrollment
    event = enrollment.trigger_event
    merge = merge_context(enrollment.contact, event_properties=freeze(event.properties or {}) if event else None)
    return render_template(text.body, merge, autoescape=False).strip()
