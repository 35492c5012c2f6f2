"""Building the outgoing email (headers, metadata) for one Message."""
from __future__ import annotations

import dataclasses
import functools
import uuid

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


def compose_email(rendered: RenderedEmail, *, to: list[str], message_id: str, list_id: str,
                  unsubscribe_url: str) -> DripEmailMessage:
    """What every email drip sends carries: the sender, Message-ID, the
    unsubscribe headers, List-Id (already fitted to the ESP) and the HTML part."""
    unsubscribe = [f"<{unsubscribe_url}>"]
    if drip_settings.UNSUBSCRIBE_MAILTO:
        unsubscribe.append(f"<mailto:{drip_settings.UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    email = DripEmailMessage(
        subject=rendered.subject,
        body=rendered.text,
        from_email=drip_settings.from_email,
        to=to,
        headers={
            "Message-ID": message_id,
            # RFC 2369 + RFC 8058: mailbox providers show an unsubscribe
            # button that POSTs "List-Unsubscribe=One-Click" to the URL.
            "List-Unsubscribe": ", ".join(unsubscribe),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": list_id,
        },
    )
    email.attach_alternative(rendered.html, "text/html")
    return email


def compose(message: Message, rendered: RenderedEmail, links: dict[str, str]) -> DripEmailMessage:
    sequence, domain = message.enrollment.sequence, sender_domain()
    limits = limits_for(backend_path())
    email = compose_email(rendered, to=[message.to_email], message_id=message_id_header(message, domain),
                          list_id=fit_header(*list_id(sequence.name, sequence.pk, domain), limits, "List-Id"),
                          unsubscribe_url=links["unsubscribe"])
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


def compose_test(rendered: RenderedEmail, recipients: list[str], links: dict[str, str]) -> DripEmailMessage:
    """A test send, composed as a message is, marked [TEST]: its own list and
    Message-ID, no metadata (no Message to attribute ESP events to)."""
    domain, limits = sender_domain(), limits_for(backend_path())
    email = compose_email(dataclasses.replace(rendered, subject=f"[TEST] {rendered.subject}"), to=recipients,
                          message_id=f"<drip.test.{uuid.uuid4().hex}@{domain}>",
                          list_id=fit_header(f"Drip test sends <test.drip.{domain}>", f"<test.drip.{domain}>",
                                             limits, "List-Id"),
                          unsubscribe_url=links["unsubscribe"])
    email.tags = ["drip-test"]  # (one tag: every ESP takes it)
    return email
