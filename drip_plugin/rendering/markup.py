"""What editors type in form fields, placed into MJML.

Their text may hold template syntax ({{ contact.first_name|default:"there" }})
that the per-recipient pass fills in: only the text around it is escaped, so
a block behaves exactly as the same words in raw MJML.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.html import escape

TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def _escape_around_templates(value: str, template: Callable[[str], str] = str) -> str:
    pieces, last = [], 0
    for match in TEMPLATE_SYNTAX.finditer(value):
        pieces += [escape(value[last:match.start()]), template(match.group())]
        last = match.end()
    return "".join(pieces) + escape(value[last:])


def as_text(value: str) -> str:
    """An editor's text as MJML content: escaped, its template syntax intact."""
    return _escape_around_templates(value)


def as_attribute(value: str) -> str:
    """An editor's text as a double-quoted MJML attribute value: a `"` inside
    template syntax would end the attribute, so string literals there take
    Django's other quote (`default:"x"` → `default:'x'`)."""
    return _escape_around_templates(value, lambda syntax: syntax.replace('"', "'"))
