"""An SMS as its contact gets it: the text's template over the merge
context, its links made tracked short links (TRACKING), within SMS_MAX_SEGMENTS."""
from __future__ import annotations

from ...conf import drip_settings
from ...links.short import shorten_links
from ...models import Message
from ...rendering.context import merge_context
from ...rendering.errors import TemplateProblem
from ...rendering.sandbox import freeze, render_template
from .segments import count_segments


def render_sms(message: Message) -> str:
    """The text of `message`'s SmsText for its contact; raises TemplateProblem,
    also when the merged text (short links included) costs more segments than
    SMS_MAX_SEGMENTS: the editor's cap holds for what is sent, not only for
    what was written."""
    text = message.sms_text()
    if text is None:
        raise TemplateProblem("the step or its SMS text was deleted before the message went out")
    if not text.live:
        raise TemplateProblem(f"SMS text {text.name!r} is not published")
    enrollment = message.enrollment
    event = enrollment.trigger_event
    merge = merge_context(enrollment.contact, event_properties=freeze(event.properties or {}) if event else None)
    body = render_sms_body(text.body, merge)
    if drip_settings.TRACKING:
        body = shorten_links(body, message)
    counted = count_segments(body)
    if counted.segments > drip_settings.SMS_MAX_SEGMENTS:
        raise TemplateProblem(f"the SMS takes {counted.segments} segments ({counted.encoding}) once merged, over "
                              f"SMS_MAX_SEGMENTS ({drip_settings.SMS_MAX_SEGMENTS})")
    return body


def render_sms_body(body: str, merge: dict) -> str:
    """The text a contact gets: `body`'s template over their merge context
    (also the editor's preview and test send); raises TemplateProblem."""
    return render_template(body, merge, autoescape=False).strip()
