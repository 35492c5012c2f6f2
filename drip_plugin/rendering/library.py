"""The only tags and filters an email template may use, each one bounded.

The sandbox engine loads this library instead of Django's builtins. A filter
whose argument sizes its output (`center:'999999999'`) or a loop over a huge
value could otherwise hold a worker for minutes — and a wall clock cannot
interrupt `str.center` in-process — so the inputs are capped before the
work starts, here at render time (content saved before these rules, or
imported, never passed the save-time checks of validation.py).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sized
from typing import Any

from django.template import Library, Node, NodeList, defaultfilters, defaulttags
from django.template.base import FilterExpression
from django.template.defaulttags import ForNode
from django.utils.translation import gettext

from ..conf import drip_settings
from .errors import TemplateProblem
from .formats import FILTERS as LOCALE_FILTERS

register = Library()

ALLOWED_TAGS = ("comment", "cycle", "firstof", "for", "if", "now", "spaceless", "verbatim", "with")
ALLOWED_FILTERS = (
    "add", "capfirst", "center", "cut", "date", "default", "default_if_none", "divisibleby", "escape", "first",
    "floatformat", "join", "last", "length", "linebreaks", "linebreaksbr", "ljust", "lower", "pluralize", "rjust",
    "slice", "stringformat", "time", "timesince", "timeuntil", "title", "truncatechars", "truncatewords", "upper",
    "urlencode", "wordcount", "wordwrap", "yesno",
    *LOCALE_FILTERS,  # money and dates in the email's language (formats.py)
)
# Filters whose argument sizes their output (or the work they do), and the
# largest number each argument may hold; it must be written in the template.
ARGUMENT_BOUNDS = {
    "center": 200, "ljust": 200, "rjust": 200, "wordwrap": 200, "stringformat": 200,  # widths, in characters
    "floatformat": 10,  # decimal places
    "truncatechars": 10_000, "truncatewords": 10_000, "slice": 10_000,
}
# No filter takes a longer string or list (as its value or its argument).
MAX_FILTER_INPUT = 100_000
# Items all the loops of one rendering may go through, nested passes counted.
MAX_LOOP_ITEMS = 10_000

_NUMBER = re.compile(r"\d+")


def argument_problem(name: str, argument: Any) -> str | None:
    """Why `argument` is refused for filter `name`, or None. Static checks
    pass the literal written in the template, rendering the resolved value."""
    bound = ARGUMENT_BOUNDS.get(name)
    if bound is None:
        return None
    text = str(argument)
    if name == "floatformat":
        text = text.rstrip("gu")  # the grouping / unlocalised suffixes
    if name == "stringformat":
        numbers = _NUMBER.findall(text)  # its width and precision
    else:
        numbers = [part.strip().lstrip("+-") for part in (text.split(":") if name == "slice" else [text])]
    for number in numbers:
        if number and not number.isdigit():
            return gettext("“%(filter)s” takes a whole number, not “%(argument)s”") % {"filter": name, "argument": argument}
        if number and int(number) > bound:
            return gettext("“%(filter)s” is over the bound: at most %(bound)s") % {"filter": f"{name}:{argument}",
                                                                                 "bound": bound}
    return None


def _size_problem(name: str, value: Any) -> str | None:
    if isinstance(value, Sized) and len(value) > MAX_FILTER_INPUT:
        return gettext("“%(filter)s” got %(size)s characters or items: at most %(limit)s") % {
            "filter": name, "size": f"{len(value):,}", "limit": f"{MAX_FILTER_INPUT:,}"}
    return None


def _join_problem(value: Any, separator: Any) -> str | None:
    """A join writes every item plus the separator between each two."""
    items = value if isinstance(value, Collection) else ()
    size = sum(len(str(item)) for item in items) + len(str(separator)) * max(len(items) - 1, 0)
    if size > MAX_FILTER_INPUT:
        return gettext("“join” would write %(size)s characters: at most %(limit)s") % {
            "size": f"{size:,}", "limit": f"{MAX_FILTER_INPUT:,}"}
    return None


def _bounded(name: str, function: Callable) -> Callable:
    """Django's filter, refusing (TemplateProblem) inputs over the bounds first."""

    @functools.wraps(function)  # keeps is_safe, needs_autoescape…; Django checks the wrapped signature
    def bounded(value, *args, **kwargs):
        problem = next(filter(None, (_size_problem(name, item) for item in (value, *args))), None)
        if problem is None and args:
            problem = argument_problem(name, args[0]) or (_join_problem(value, args[0]) if name == "join" else None)
        if problem:
            raise TemplateProblem(problem)
        return function(value, *args, **kwargs)

    return bounded


for _name in ALLOWED_FILTERS:
    register.filter(_name, _bounded(_name, LOCALE_FILTERS.get(_name) or defaultfilters.register.filters[_name]))
for _name in ALLOWED_TAGS:
    if _name != "for":
        register.tag(_name, defaulttags.register.tags[_name])

_LOOP_ITEMS = object()  # key of the rendering's loop item count in its render_context


class LoopSequence(FilterExpression):
    """A loop's sequence, counted against MAX_LOOP_ITEMS once resolved."""

    __slots__ = ()

    def __init__(self, parsed: FilterExpression):  # already parsed: take its parts
        self.token, self.filters, self.var, self.is_var = parsed.token, parsed.filters, parsed.var, parsed.is_var

    def resolve(self, context, ignore_failures=False):
        values = super().resolve(context, ignore_failures)
        if isinstance(values, Sized):
            counted = context.render_context.get(_LOOP_ITEMS, 0) + len(values)
            if counted > MAX_LOOP_ITEMS:
                raise TemplateProblem(gettext("loops went through %(count)s items: at most %(limit)s per email")
                                      % {"count": f"{counted:,}", "limit": f"{MAX_LOOP_ITEMS:,}"})
            context.render_context[_LOOP_ITEMS] = counted
        return values


class LoopOutput(Node):
    """One node of a loop's body, counting what it writes: a loop writing
    more than a whole email may hold (MAX_RENDERED_BYTES) stops there."""

    child_nodelists = ("nodelist",)

    def __init__(self, loop: BoundedForNode, node: Node):
        self.loop, self.nodelist = loop, NodeList([node])
        self.token, self.origin = getattr(node, "token", None), getattr(node, "origin", None)

    def render(self, context):
        output = self.nodelist[0].render_annotated(context)
        written = context.render_context[self.loop] + len(output)
        if written > drip_settings.MAX_RENDERED_BYTES:
            raise TemplateProblem(gettext("a loop wrote over %(limit)s characters, more than an email may hold "
                                          "(MAX_RENDERED_BYTES)") % {"limit": f"{drip_settings.MAX_RENDERED_BYTES:,}"})
        context.render_context[self.loop] = written
        return output


class BoundedForNode(ForNode):
    def __init__(self, parsed: ForNode):
        super().__init__(parsed.loopvars, LoopSequence(parsed.sequence), parsed.is_reversed,
                         NodeList(LoopOutput(self, node) for node in parsed.nodelist_loop), parsed.nodelist_empty)

    def render(self, context):
        context.render_context[self] = 0  # characters written by this pass of the loop
        return super().render(context)


@register.tag("for")
def bounded_for(parser, token) -> BoundedForNode:
    return BoundedForNode(defaulttags.do_for(parser, token))
