"""Our own open pixel and click redirects, for ESPs without tracking (or as
a fallback). A click link carries its destination signed together with the
message, so the redirect only ever goes where that email pointed."""
from __future__ import annotations

import html
import re

from ..models import Message
from .signed import EmailLinks

# Only anchors: <link href> in <head> (MJML's web fonts) must stay as it is.
ANCHOR_HREF = re.compile(r'(<a\b[^>]*?\shref=")(https?://[^"]+)(")', re.IGNORECASE)


# A character reference with its ";" — what autoescape writes (&amp; &#x27; &quot;).
# A bare "&" followed by letters is a plain "&" in a URL, though html.unescape
# would read "&currency=" as "¤cy=".
CHARACTER_REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def unescape_href(href: str) -> str:
    return CHARACTER_REFERENCE.sub(lambda reference: html.unescape(reference.group()), href)


def instrument(document: str, message: Message, skip: set[str], links: EmailLinks) -> str:
    """Route links through click tracking (except `skip`, e.g. unsubscribe)
    and add the open pixel."""

    def rewrite(match: re.Match) -> str:
        url = unescape_href(match.group(2))
        if url in skip:
            return match.group()
        return f"{match.group(1)}{html.escape(links.click({'m': message.pk, 'u': url}))}{match.group(3)}"

    document = ANCHOR_HREF.sub(rewrite, document)
    pixel = (f'<img src="{html.escape(links.open(message.pk))}" width="1" height="1" alt=""'
             ' style="display:block;border:0">')
    body_end = document.rfind("</body>")  # from the end: the body's own, not one quoted in it
    return document + pixel if body_end < 0 else f"{document[:body_end]}{pixel}{document[body_end:]}"
