"""Building the outgoing email (headers, metadata) for one Message."""
from __future__ import annotations

import functools

from django.utils.text import slugify

from ..conf import drip_settings
from ..models import Message
from ..rendering import RenderedEmail
from .esp import backend_path, fit_header, fit_metadata, fit_tags, limits_for
from .mime import DripEmailMessage


def sender_domain() -> str:
    return drip_settings.from_email.rpartition("@")[2].strip("> ") or "drip.invalid"


def message_id_header(message: Message, domain: str) -> str:
    return f"<drip.{message.token}@{domain}>"


@functools.lru_cache(maxsize=256)  # the same for every message of a sequence
def list_id(sequence_name: str, sequence_pk: int, domain: str) -> tuple[str, str]:
    """The List-Id header (RFC 2919): with the sequence's name, and bare (ASCII)."""
    bare = f"<{slugify(sequence_name) or 'sequence'}.{sequence_pk}.drip.{domain}>"
    return f"{sequence_name} {bare}", bare


def compose(message: Message, rendered: RenderedEmail, links: dict[str, str]) -> DripEmailMessage:
    sequence, domain = message.enrollment.sequence, sender_domain()
    limits = limits_for(backend_path())
    unsubscribe = [f"<{links['unsubscribe']}>"]
    if drip_settings.UNSUBSCRIBE_MAILTO:
        unsubscribe.append(f"<mailto:{drip_settings.UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    email = DripEmailMessage(
        subject=rendered.subject,
        body=rendered.text,
        from_email=drip_settings.from_email,
        to=[message.to_email],
        headers={
            "Message-ID": message_id_header(message, domain),
            # RFC 2369 + RFC 8058: mailbox providers show an unsubscribe
            # button that POSTs "List-Unsubscribe=One-Click" to the URL.
            "List-Unsubscribe": ", ".join(unsubscribe),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": fit_header(*list_id(sequence.name, sequence.pk, domain), limits, "List-Id"),
        },
    )
    email.attach_alternative(rendered.html, "text/html")
    # anymail reads these attributes (and ESPs echo metadata in tracking
    # webhooks); other backends ignore them. Most useful first: an ESP
    # with room for fewer gets the first ones (Postmark: the sequence's tag).
    metadata = {
        "drip_message": str(message.pk),
        "drip_enrollment": str(message.enrollment_id),
        "drip_step": str(message.step_id),
    }
    tags = [f"drip-sequence-{sequence.pk}"]
    if message.variant:  # A/B-tested step: ESP statistics can split on it too
        metadata["drip_variant"] = message.variant
        tags.append(f"drip-variant-{message.variant}")
    tags.append("drip")
    email.metadata, email.tags = fit_metadata(metadata, limits), fit_tags(tags, limits)
    return email
