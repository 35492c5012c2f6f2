"""A Django template engine that only sees plain merge data.

Templates get dicts, tuples and scalars, never model instances, so an editor
cannot reach `contact.user.password` or call a method that changes data.
"""
from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.template import Context, Engine, Template

from .errors import TemplateProblem

ENGINE = Engine(autoescape=True, libraries={}, debug=False, string_if_invalid="")


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
    except Exception as exc:  # TemplateSyntaxError and friends
        raise TemplateProblem(f"template: {exc}") from None


def render_template(source: str, merge: Mapping[str, Any], *, autoescape: bool = True) -> str:
    """Render `source` with plain merge data; autoescape=False for plain text."""
    try:
        return compile_template(source).render(Context(freeze(merge), autoescape=autoescape))
    except TemplateProblem:
        raise
    except Exception as exc:
        raise TemplateProblem(f"rendering failed: {exc}") from None
