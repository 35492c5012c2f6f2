"""A push notification's payload: the editor's title, body, link and icon,
merged per contact, as the JSON the service worker reads.

A push service takes at most 4096 bytes of encrypted body (RFC 8030 §7.2);
aes128gcm (RFC 8188) adds an 86-byte header, a 1-byte padding delimiter and
a 16-byte tag, so the JSON may be MAX_PAYLOAD_BYTES long.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

from ...conf import drip_settings
from ...rendering import TemplateProblem
from ...rendering.sandbox import render_template

MAX_PAYLOAD_BYTES = 4096 - 86 - 1 - 16


@dataclass(frozen=True)
class PushPayload:
    title: str
    body: str
    url: str
    icon: str

    def encoded(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":")).encode()


def absolute_link(text: str, field: str) -> str:
    """A link as the service worker opens it: relative ones on SITE_URL; only http(s)."""
    if not text:
        return ""
    url = urljoin(drip_settings.SITE_URL.rstrip("/") + "/", text)
    if urlsplit(url).scheme not in ("http", "https"):
        raise TemplateProblem(_("the %(field)s must be an http(s) link, not %(url)r") % {"field": field, "url": text})
    return url


def render_payload(notification, merge: dict) -> PushPayload:
    """`notification`'s fields merged with `merge`; raises TemplateProblem
    for a template error, a bad link or a payload over the size limit."""
    def text(source: str) -> str:
        return render_template(source or "", merge, autoescape=False).strip()

    payload = PushPayload(title=text(notification.title), body=text(notification.body),
                          url=absolute_link(text(notification.url), _("link")),
                          icon=absolute_link(text(notification.icon), _("icon")))
    if not payload.title:
        raise TemplateProblem(_("the notification has no title"))
    size = len(payload.encoded())
    if size > MAX_PAYLOAD_BYTES:
        raise TemplateProblem(_("the notification is %(size)d bytes, over the %(limit)d bytes a push message "
                                "can carry: shorten the text") % {"size": size, "limit": MAX_PAYLOAD_BYTES})
    return payload
