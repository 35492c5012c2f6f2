"""A Django template engine that only sees plain merge data.

Templates get dicts, tuples and scalars, never model instances, so an editor
cannot reach `contact.user.password` or call a method that changes data; and
only the tags and filters of library.py, each bounded, so that no template
can hold a worker for long.
"""
from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils.translation import gettext

from .errors import TemplateProblem
from .library import ALLOWED_FILTERS, ALLOWED_TAGS


class SandboxEngine(Engine):
    """An engine whose only builtins are library.py's (Django's own builtins
    would otherwise come with every engine); no `{% load %}` of others."""

    default_builtins = ["drip_plugin.rendering.library"]

    def __init__(self, *, debug: bool = False):
        super().__init__(autoescape=True, libraries={}, debug=debug, string_if_invalid="")


ENGINE = SandboxEngine()

_REFUSED_TAG = re.compile(r"^Invalid block tag on line \d+: '([^']+)'")
_REFUSED_FILTER = re.compile(r"^Invalid filter: '([^']+)'")
# Words that only close or continue an allowed tag: Django's message about them is the clearer one.
_TAG_PARTS = {"else", "elif", "empty", *(f"end{tag}" for tag in ALLOWED_TAGS)}


def syntax_message(exc: TemplateSyntaxError) -> str:
    """Django's message, or for a tag or filter outside the allow-list, which
    one and what is allowed instead."""
    message = str(exc)
    if (match := _REFUSED_TAG.match(message)) and match.group(1) not in _TAG_PARTS:
        return gettext("the tag {%% %(tag)s %%} is not allowed in emails (allowed: %(allowed)s)") % {
            "tag": match.group(1), "allowed": ", ".join(ALLOWED_TAGS)}
    if match := _REFUSED_FILTER.match(message):
        return gettext("the filter “%(filter)s” is not allowed in emails (allowed: %(allowed)s)") % {
            "filter": match.group(1), "allowed": ", ".join(ALLOWED_FILTERS)}
    return message


SCALARS = (str, int, float, bool, type(None), Decimal, datetime.date, datetime.time)


class MergeData(dict):
    """A dict whose missing keys render as empty, so Django never falls back
    to attribute lookup (which would reach dict methods such as `clear`)."""

    def __missing__(self, key: str) -> str:
        return ""


def freeze(value: Any) -> Any:
    """Deep-convert to MergeData/tuples so nothing mutable is reachable."""
    if isinstance(value, MergeData):
        return value  # only freeze() builds MergeData: its contents are frozen already
    if isinstance(value, Mapping):
        return MergeData({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, set)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, SCALARS):
        return value
    return str(value)


@functools.lru_cache(maxsize=1024)
def compile_template(source: str) -> Template:
    try:
        return ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template: {syntax_message(exc)}") from None
    except Exception as exc:  # a tag's own parse errors, e.g. ValueError
        raise TemplateProblem(f"template: {exc}") from None


def render_template(source: str, merge: Mapping[str, Any], *, autoescape: bool = True) -> str:
    """Render `source` with plain merge data; autoescape=False for plain text."""
    try:
        return compile_template(source).render(Context(freeze(merge), autoescape=autoescape))
    except TemplateProblem:
        raise
    except Exception as exc:
        raise TemplateProblem(f"rendering failed: {exc}") from None
