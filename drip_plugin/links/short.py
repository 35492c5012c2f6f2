"""Tracked short links for messages without room for a signed click URL
(SMS): each link of a message gets a random code, kept with its message and
destination, so the redirect only ever goes where that message pointed."""
from __future__ import annotations

import re
import secrets

from django.urls import reverse

from ..models import Message, ShortLink
from .routes import absolute

# A URL in plain text, without the punctuation that usually ends its sentence.
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def short_url(code: str) -> str:
    return absolute(reverse("drip_plugin:short_link", args=[code]))


def shorten_links(text: str, message: Message) -> str:
    """`text` with each URL replaced by a tracked short link of `message`
    (the same ones again when the message is retried)."""
    known = dict(ShortLink.objects.filter(message=message).values_list("url", "code"))

    def replace(match: re.Match) -> str:
        url = match.group()
        if url not in known:
            known[url] = ShortLink.objects.create(code=secrets.token_urlsafe(6), message=message, url=url).code
        return short_url(known[url])

    return URL.sub(replace, text)
