"""Checking editors' content before it is saved: MJML structure, template
syntax, merge variables and the bounds of library.py (without rendering),
each problem with the line it is on."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.template import TemplateSyntaxError
from django.template.base import FilterExpression, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.template.smartif import TokenBase
from django.utils.translation import gettext

from ..recommendations.strategies import STRATEGIES
from .errors import TemplateProblem
from .library import ARGUMENT_BOUNDS, argument_problem
from .markup import TEMPLATE_SYNTAX
from .mjml import compile_mjml, unix_newlines
from .mjml_rules import rule_problems
from .sandbox import SandboxEngine, syntax_message

# The merge context (rendering/context.py): what templates may name.
MERGE_FIELDS: dict[str, set[str] | None] = {
    "contact": {"email", "first_name", "last_name", "full_name", "locale", "attributes"},
    "cart": {"checkout_id", "lines", "subtotal", "total", "currency", "restore_url"},
    "order": {"order_id", "number", "lines", "total", "currency", "checkout_id"},
    "subscription": {"subscription_id", "plan", "status", "renews_at"},
    "links": {"unsubscribe", "preferences", "view_in_browser"},
    "sender": {"email", "postal_address"},
    "recommendations": set(STRATEGIES),  # each a list of products: id, name, url, image_url, price, currency
    "event": None,  # the triggering event's own properties: any name
}
DEBUG_ENGINE = SandboxEngine(debug=True)
# What a loop may go over: a merge variable, cut down or not (its length is
# the data's), never a value a filter can make as long as it likes.
LOOP_FILTERS = {"slice"}
VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "col", "source", "wbr", "area", "base", "embed"}
TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return gettext("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


def _line_of(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def template_problems(source: str) -> list[Problem]:
    """Django template syntax errors and names outside the merge context."""
    try:
        template = DEBUG_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        return [Problem(debug.get("line", 1), gettext("template error: %(error)s") % {"error": syntax_message(exc)})]
    problems: list[Problem] = []
    _check_nodes(template.nodelist, set(), problems)
    return problems


def _check_nodes(nodelist, local_names: set[str], problems: list[Problem]) -> None:
    for node in nodelist:
        names = local_names
        _check_bounds(node, problems)
        if isinstance(node, ForNode):
            _check_variable(node.sequence.var, node, local_names, problems)
            names = local_names | set(node.loopvars) | {"forloop"}
        elif isinstance(node, WithNode):
            names = local_names | set(node.extra_context)
        elif isinstance(node, VariableNode):
            _check_variable(node.filter_expression.var, node, local_names, problems)
        for attribute in getattr(node, "child_nodelists", ()):
            child = getattr(node, attribute, None)
            if child:  # an {% if %}'s `nodelist` holds all its branches
                _check_nodes(child, names, problems)


def _check_variable(var, node, local_names: set[str], problems: list[Problem]) -> None:
    lookups = getattr(var, "lookups", None)
    if not lookups:
        return  # a literal
    root, rest = lookups[0], lookups[1:]
    line = node.token.lineno if getattr(node, "token", None) else 1
    if root in local_names:
        return
    if root not in MERGE_FIELDS:
        problems.append(Problem(line, gettext("“%(name)s” is not in the merge context (known: %(known)s)")
                                % {"name": ".".join(lookups), "known": ", ".join(sorted(MERGE_FIELDS))}))
        return
    allowed = MERGE_FIELDS[root]
    if allowed is not None and rest and rest[0] not in allowed:
        problems.append(Problem(line, gettext("“%(name)s” is not in the merge context (%(root)s has: %(known)s)")
                                % {"name": f"{root}.{rest[0]}", "root": root, "known": ", ".join(sorted(allowed))}))


def blank_template_syntax(source: str) -> str:
    """Template tags and comments blanked out, keeping offsets so lines stay right."""
    text = TEMPLATE_SYNTAX.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    return re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)


def _expressions(value) -> Iterator[FilterExpression]:
    """The filter expressions held in a node's attributes: its variable, a
    loop's sequence, the operands of an {% if %}, the values of a {% with %}…"""
    if isinstance(value, FilterExpression):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _expressions(item)
    elif isinstance(value, dict):
        yield from _expressions(list(value.values()))
    elif isinstance(value, TokenBase):  # an {% if %} condition, operators and operands
        yield from _expressions(list(vars(value).values()))


def _check_bounds(node, problems: list[Problem]) -> None:
    """Sizing arguments written in the template and within bounds; loops over merge variables."""
    line = node.token.lineno if getattr(node, "token", None) else 1
    for expression in _expressions(list(vars(node).values())):
        for function, arguments in expression.filters:
            name = function._filter_name
            if name not in ARGUMENT_BOUNDS or not arguments:
                continue
            is_variable, argument = arguments[0]
            if is_variable and argument.lookups:
                problems.append(Problem(line, gettext("“%(filter)s”: write the number in the template (at most "
                                                "%(bound)s), not a variable")
                                        % {"filter": f"{name}:{argument}", "bound": ARGUMENT_BOUNDS[name]}))
            elif problem := argument_problem(name, argument.literal if is_variable else argument):
                problems.append(Problem(line, problem))
    if isinstance(node, ForNode):
        sequence = node.sequence
        sizing = [function._filter_name for function, _ in sequence.filters
                  if function._filter_name not in LOOP_FILTERS]
        if not getattr(sequence.var, "lookups", None) or sizing:
            problems.append(Problem(line, gettext("{%% for %%} over “%(sequence)s”: a loop goes over a merge variable "
                                            "(cut down with “slice” or not), never over a literal or a filter's "
                                            "output, which can be huge") % {"sequence": sequence.token}))


def mjml_structure_problems(source: str) -> list[Problem]:
    """Unbalanced tags, with lines: mjml-python often says only
    'unexpected end of stream' (no position)."""
    for match in TEMPLATE_SYNTAX.finditer(source):
        if "<" in match.group():
            # mjml-python cannot parse it, even inside <mj-raw>.
            return [Problem(_line_of(source, match.start()),
                            gettext("“<” inside %(tag)s breaks MJML: turn the comparison around (“>”)")
                            % {"tag": match.group()})]
    text = blank_template_syntax(source)
    stack: list[tuple[str, int]] = []
    for match in TAG.finditer(text):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        line = _line_of(text, match.start())
        if not closing:
            if rest.rstrip().endswith("/") or name in VOID_TAGS:
                continue
            stack.append((name, line))
        elif not stack:
            return [Problem(line, gettext("</%(name)s> closes nothing") % {"name": name})]
        elif stack[-1][0] != name:
            opened, opened_line = stack[-1]
            return [Problem(line, gettext("</%(name)s> found but <%(opened)s> (line %(line)s) is still open")
                            % {"name": name, "opened": opened, "line": opened_line})]
        else:
            stack.pop()
    if stack:
        name, line = stack[-1]
        return [Problem(line, gettext("<%(name)s> is never closed") % {"name": name})]
    if not re.match(r"\s*<mjml[\s>]", text):
        return [Problem(1, gettext("an MJML email starts with <mjml>"))]
    return []


def mjml_rule_problems(source: str) -> list[Problem]:
    """MJML's component rules (tags, nesting, attributes, values); tags must be balanced."""
    source = unix_newlines(source)
    return [Problem(p.line, p.message) for p in rule_problems(source, blank_template_syntax(source))]


BYTE_POSITION = re.compile(r"position (\d+):(\d+)")


def mjml_compile_problems(source: str) -> list[Problem]:
    try:
        compile_mjml(source)
    except TemplateProblem as exc:
        position = BYTE_POSITION.search(exc.message)
        # mjml-python reports UTF-8 byte offsets, not lines.
        line = unix_newlines(source).encode()[: int(position.group(1))].count(b"\n") + 1 if position else 1
        return [Problem(line, exc.message)]
    return []


def email_problems(mjml: str, subject: str) -> dict[str, list[Problem]]:
    """Every problem per field ("mjml", "subject"); empty when the email is fine."""
    problems = {"subject": template_problems(subject)}
    structure = mjml_structure_problems(mjml)
    problems["mjml"] = template_problems(mjml) + (structure or mjml_rule_problems(mjml) or mjml_compile_problems(mjml))
    return {field: found for field, found in problems.items() if found}
