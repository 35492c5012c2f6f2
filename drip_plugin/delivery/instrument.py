"""Our own open pixel and click redirects, for ESPs without tracking (or as
a fallback). A click link carries its destination signed together with the
message, so the redirect only ever goes where that email pointed."""
from __future__ import annotations

import re

from django.core import signing
from django.urls import reverse
from django.utils.html import escape

from ..models import Message
from .links import absolute

CLICK_SALT = "drip_plugin.click"
OPEN_SALT = "drip_plugin.open"
HREF = re.compile(r'href="(https?://[^"]+)"')


def click_url(message: Message, url: str) -> str:
    token = signing.dumps({"m": message.pk, "u": url}, salt=CLICK_SALT, compress=True)
    return absolute(reverse("drip_plugin:click", args=[token]))


def open_url(message: Message) -> str:
    return absolute(reverse("drip_plugin:open", args=[signing.dumps(message.pk, salt=OPEN_SALT)]))


def instrument(html: str, message: Message, skip: set[str]) -> str:
    """Route links through click tracking (except `skip`, e.g. unsubscribe)
    and add the open pixel."""
    def rewrite(match: re.Match) -> str:
        url = match.group(1).replace("&amp;", "&")
        return match.group() if url in skip else f'href="{escape(click_url(message, url))}"'

    html = HREF.sub(rewrite, html)
    pixel = f'<img src="{escape(open_url(message))}" width="1" height="1" alt="" style="display:block;border:0">'
    return html.replace("</body>", f"{pixel}</body>", 1) if "</body>" in html else html + pixel
