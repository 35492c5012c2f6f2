"""MJML's component rules, checked with line numbers before an email is saved.

mjml-python compiles what it is given and says nothing about a typo'd tag
(`<mj-buton>` simply disappears from every email), an attribute on the wrong
component, a colour it cannot read or an `mj-column` outside a section. The
rules below are MJML 4's own (its validator: allowed children per component,
allowed attributes per component and their value types), restricted to the
components mjml-python implements.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext

# A component's content: "children" (other components only), "html" (ending
# tag: HTML and text, no components), "text" (plain text), or None (empty).
CHILDREN, HTML, TEXT = "children", "html", "text"

_PADDING = {"padding": "unit(px,%){1,4}", **{f"padding-{s}": "unit(px,%)" for s in ("top", "bottom", "left", "right")}}
_BORDERS = {"border": "string", **{f"border-{s}": "string" for s in ("top", "bottom", "left", "right")}}
_FONT = {"font-family": "string", "font-size": "unit(px)", "font-style": "string", "font-weight": "string"}
_LINK = {"href": "string", "rel": "string", "target": "string", "title": "string"}
_ICON = {"icon-height": "unit(px,%)", "icon-width": "unit(px,%)", "icon-position": "enum(left,right)",
         "icon-align": "enum(top,middle,bottom)", "icon-wrapped-url": "string", "icon-wrapped-alt": "string",
         "icon-unwrapped-url": "string", "icon-unwrapped-alt": "string"}
_VALIGN = {"vertical-align": "enum(top,bottom,middle)"}
_SECTION = {
    **_PADDING, **_BORDERS, "background-color": "color", "background-url": "string",
    "background-repeat": "enum(repeat,no-repeat)", "background-size": "string", "background-position": "string",
    "background-position-x": "string", "background-position-y": "string", "border-radius": "string",
    "direction": "enum(ltr,rtl)", "full-width": "enum(full-width,false,)", "gutter": "unit(px,%)",
    "text-align": "enum(left,center,right)", "text-padding": "unit(px,%){1,4}",
}
_IN_COLUMN = ("mj-accordion", "mj-button", "mj-carousel", "mj-divider", "mj-image", "mj-navbar", "mj-raw",
              "mj-social", "mj-spacer", "mj-table", "mj-text")


@dataclass(frozen=True)
class Component:
    content: str | None
    attributes: dict[str, str]
    children: tuple[str, ...] = ()


# Where MJML and mjml-python differ (mj-raw under <mjml>, <mj-social>,
# <mj-navbar>, <mj-accordion>), mjml-python's refusal wins: it compiles our mail.
COMPONENTS: dict[str, Component] = {
    "mjml": Component(CHILDREN, {"lang": "string", "dir": "enum(ltr,rtl,auto)", "owa": "string"},
                      ("mj-head", "mj-body")),
    "mj-head": Component(CHILDREN, {}, ("mj-attributes", "mj-breakpoint", "mj-font", "mj-preview", "mj-style",
                                        "mj-title", "mj-raw")),
    "mj-attributes": Component(CHILDREN, {}),  # children: mj-all, mj-class or any component (see below)
    "mj-breakpoint": Component(None, {"width": "unit(px)"}),
    "mj-font": Component(None, {"name": "string", "href": "string"}),
    "mj-preview": Component(TEXT, {}),
    "mj-style": Component(TEXT, {"inline": "enum(inline)"}),
    "mj-title": Component(TEXT, {}),
    "mj-body": Component(CHILDREN, {"width": "unit(px)", "background-color": "color", "id": "string"},
                         ("mj-raw", "mj-section", "mj-wrapper", "mj-hero")),
    "mj-raw": Component(HTML, {"position": "enum(file-start)"}),
    "mj-wrapper": Component(CHILDREN, {**_SECTION, "gap": "unit(px)"}, ("mj-hero", "mj-raw", "mj-section")),
    "mj-section": Component(CHILDREN, _SECTION, ("mj-column", "mj-group", "mj-raw")),
    "mj-group": Component(CHILDREN, {"background-color": "color", "direction": "enum(ltr,rtl)", **_VALIGN,
                                     "width": "unit(px,%)"}, ("mj-column", "mj-raw")),
    "mj-column": Component(CHILDREN, {
        **_PADDING, **_BORDERS, **_VALIGN, "background-color": "color", "border-radius": "string",
        "direction": "enum(ltr,rtl)", "inner-background-color": "color", "inner-border": "string",
        **{f"inner-border-{s}": "string" for s in ("top", "bottom", "left", "right", "radius")},
        "width": "unit(px,%)"}, _IN_COLUMN),
    "mj-hero": Component(CHILDREN, {
        **_PADDING, **_VALIGN, "mode": "enum(fixed-height,fluid-height)", "height": "unit(px,%)",
        "background-url": "string", "background-width": "unit(px,%)", "background-height": "unit(px,%)",
        "background-position": "string", "border-radius": "string", "inner-background-color": "color",
        "inner-padding": "unit(px,%){1,4}",
        **{f"inner-padding-{s}": "unit(px,%)" for s in ("top", "bottom", "left", "right")},
        "background-color": "color"}, tuple(c for c in _IN_COLUMN)),
    "mj-text": Component(HTML, {
        **_PADDING, **_FONT, **_VALIGN, "align": "enum(left,right,center,justify)", "background-color": "color",
        "color": "color", "container-background-color": "color", "height": "unit(px,%)",
        "letter-spacing": "unitWithNegative(px,em)", "line-height": "unit(px,%,)", "text-decoration": "string",
        "text-transform": "string"}),
    "mj-button": Component(HTML, {
        **_PADDING, **_BORDERS, **_FONT, **_LINK, **_VALIGN, "align": "enum(left,center,right)",
        "background-color": "color", "border-radius": "string", "color": "color",
        "container-background-color": "color", "height": "unit(px,%)", "name": "string",
        "inner-padding": "unit(px,%){1,4}", "letter-spacing": "unitWithNegative(px,em)",
        "line-height": "unit(px,%,)", "text-decoration": "string", "text-transform": "string",
        "text-align": "enum(left,right,center)", "width": "unit(px,%)"}),
    "mj-image": Component(None, {
        **_PADDING, **_BORDERS, **_LINK, "alt": "string", "name": "string", "src": "string", "srcset": "string",
        "sizes": "string", "align": "enum(left,center,right)", "border-radius": "string",
        "container-background-color": "color", "fluid-on-mobile": "boolean", "width": "unit(px)",
        "height": "unit(px,auto)", "max-height": "unit(px,%)", "font-size": "unit(px)", "usemap": "string"}),
    "mj-divider": Component(None, {
        **_PADDING, "border-color": "color", "border-style": "string", "border-width": "unit(px)",
        "container-background-color": "color", "width": "unit(px,%)", "align": "enum(left,center,right)"}),
    "mj-spacer": Component(None, {**_PADDING, **_BORDERS, "container-background-color": "color",
                                  "height": "unit(px,%)"}),
    "mj-table": Component(HTML, {
        **_PADDING, **_FONT, **_VALIGN, "align": "enum(left,right,center)", "border": "string",
        "cellpadding": "integer", "cellspacing": "integer", "container-background-color": "color",
        "color": "color", "line-height": "unit(px,%,)", "role": "enum(none,presentation)",
        "table-layout": "enum(auto,fixed,initial,inherit)", "width": "unit(px,%,auto)"}),
    "mj-social": Component(CHILDREN, {
        **_PADDING, **_FONT, **_VALIGN, "align": "enum(left,right,center)", "border": "string",
        "border-radius": "string", "container-background-color": "color", "color": "color",
        "icon-size": "unit(px,%)", "icon-height": "unit(px,%)", "icon-padding": "unit(px,%){1,4}",
        "inner-padding": "unit(px,%){1,4}", "line-height": "unit(px,%,)", "mode": "enum(horizontal,vertical)",
        "table-layout": "enum(auto,fixed)", "text-padding": "unit(px,%){1,4}", "text-decoration": "string"},
        ("mj-social-element",)),
    "mj-social-element": Component(HTML, {
        **_PADDING, **_FONT, **_LINK, "align": "enum(left,center,right)", "icon-position": "enum(left,right)",
        "background-color": "color", "color": "color", "border": "string", "border-radius": "string",
        "icon-size": "unit(px,%)", "icon-height": "unit(px,%)", "icon-padding": "unit(px,%){1,4}",
        "line-height": "unit(px,%,)", "name": "string", "text-padding": "unit(px,%){1,4}", "src": "string",
        "srcset": "string", "sizes": "string", "alt": "string", "text-decoration": "string",
        "vertical-align": "enum(top,middle,bottom)"}),
    "mj-navbar": Component(CHILDREN, {
        **_PADDING, "align": "enum(left,center,right)", "base-url": "string", "hamburger": "string",
        "ico-align": "enum(left,center,right)", "ico-open": "string", "ico-close": "string", "ico-color": "color",
        "ico-font-size": "unit(px,%)", "ico-font-family": "string", "ico-text-transform": "string",
        "ico-padding": "unit(px,%){1,4}",
        **{f"ico-padding-{s}": "unit(px,%)" for s in ("top", "bottom", "left", "right")},
        "ico-text-decoration": "string", "ico-line-height": "unit(px,%,)"}, ("mj-navbar-link",)),
    "mj-navbar-link": Component(HTML, {
        **_PADDING, **_FONT, **_LINK, "color": "color", "name": "string",
        "letter-spacing": "unitWithNegative(px,em)", "line-height": "unit(px,%,)", "text-decoration": "string",
        "text-transform": "string"}),
    "mj-carousel": Component(CHILDREN, {
        **_PADDING, "align": "enum(left,center,right)", "border-radius": "string",
        "container-background-color": "color", "icon-width": "unit(px,%)", "left-icon": "string",
        "right-icon": "string", "thumbnails": "enum(visible,hidden,supported)", "tb-border": "string",
        "tb-border-radius": "string", "tb-hover-border-color": "color", "tb-selected-border-color": "color",
        "tb-width": "unit(px,%)"}, ("mj-carousel-image",)),
    "mj-carousel-image": Component(None, {
        **_LINK, "alt": "string", "src": "string", "thumbnails-src": "string", "border-radius": "string",
        "tb-border": "string", "tb-border-radius": "string"}),
    "mj-accordion": Component(CHILDREN, {
        **_PADDING, **_ICON, "container-background-color": "color", "border": "string", "font-family": "string"},
        ("mj-accordion-element",)),
    "mj-accordion-element": Component(CHILDREN, {
        **_ICON, "background-color": "color", "border": "string", "font-family": "string"},
        ("mj-accordion-title", "mj-accordion-text")),
    "mj-accordion-title": Component(HTML, {
        **_PADDING, "background-color": "color", "color": "color", "font-size": "unit(px)",
        "font-family": "string", "font-weight": "string"}),
    "mj-accordion-text": Component(HTML, {
        **_PADDING, "background-color": "color", "font-size": "unit(px)", "font-family": "string",
        "font-weight": "string", "letter-spacing": "unitWithNegative(px,em)", "line-height": "unit(px,%,)",
        "color": "color"}),
}
# MJML allows these on every component.
EVERYWHERE = {"mj-class": "string", "css-class": "string"}
# Inside <mj-attributes>: defaults for every component, for a class, or per component.
ATTRIBUTE_DEFAULTS = ("mj-all", "mj-class")
# MJML components mjml-python does not implement: named so the editor knows why.
UNSUPPORTED = {"mj-html-attributes", "mj-html-attribute", "mj-selector", "mj-include"}

PARENTS: dict[str, tuple[str, ...]] = {
    name: tuple(parent for parent, spec in COMPONENTS.items() if name in spec.children) for name in COMPONENTS
}

CSS_COLOURS = frozenset("""
aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown burlywood
cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray
darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue
firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey honeydew
hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray
lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue
mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred
midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple
rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue
slateblue slategray slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white
whitesmoke yellow yellowgreen transparent inherit currentcolor
""".split())
_COLOUR = re.compile(
    r"#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})|rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(?:,\s*[\d.]+\s*)?\)",
    re.I)
_TYPE = re.compile(r"(?P<kind>\w+)(?:\((?P<args>[^)]*)\))?(?:\{(?P<low>\d+),(?P<high>\d+)\})?$")


def value_problem(value: str, spec: str) -> str | None:
    """Why `value` does not fit the MJML attribute type `spec`, or None."""
    kind, args, low, high = _TYPE.match(spec).group("kind", "args", "low", "high")
    value = value.strip()
    if kind == "color":
        if value.lower() in CSS_COLOURS or _COLOUR.fullmatch(value):
            return None
        return gettext("is not a colour (use #rrggbb, #rgb, rgb(…), rgba(…) or a CSS colour name such as “white”)")
    if kind == "enum":
        choices = args.split(",")
        return None if value in choices else gettext("must be one of: %(choices)s") % {
            "choices": ", ".join(c or gettext("(empty)") for c in choices)}
    if kind == "boolean":
        return None if value in ("true", "false") else gettext("must be true or false")
    if kind == "integer":
        return None if value.isdigit() else gettext("must be a whole number")
    if kind in ("unit", "unitWithNegative"):
        units = [u for u in args.split(",") if u != "auto"]
        number = r"-?[\d.]+" if kind == "unitWithNegative" else r"[\d.]+"
        one = rf"(?:{number}(?:{'|'.join(map(re.escape, units))})|0{'|auto' if 'auto' in args else ''})"
        count = (int(low), int(high)) if low else (1, 1)
        parts = value.split()
        if count[0] <= len(parts) <= count[1] and all(re.fullmatch(one, part) for part in parts):
            return None
        shown = gettext(" or ").join(u or gettext("no unit") for u in args.split(","))
        many = (gettext("%(low)s to %(high)s values") % {"low": count[0], "high": count[1]} if count != (1, 1)
                else gettext("one value"))
        return gettext("needs %(many)s in %(units)s (e.g. “%(example)s”)") % {
            "many": many, "units": shown, "example": _example(units, count[1])}
    return None  # string


def _example(units: list[str], count: int) -> str:
    unit = next((u for u in units if u), "")
    return " ".join(f"{n}{unit}" for n in (10, 20)[:min(count, 2)])


@dataclass(frozen=True)
class RuleProblem:
    line: int
    message: str


_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>")
_ATTRIBUTE = re.compile(r"([^\s=/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_TEMPLATE = re.compile(r"{%|{{")


@dataclass
class _Open:
    name: str
    line: int


def rule_problems(source: str, blanked: str) -> list[RuleProblem]:
    """Every rule broken in `source`, each with its line.

    `blanked` is `source` with template tags and comments replaced by spaces
    (same offsets), so `{% for %}` between sections is not taken for text.
    Assumes the tags are balanced (checked before).
    """
    problems: list[RuleProblem] = []
    stack: list[_Open] = []
    position = 0
    for match in _TAG.finditer(blanked):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        line = blanked.count("\n", 0, match.start()) + 1
        parent = stack[-1].name if stack else None
        if not _in_free_content(stack):
            _check_text(blanked[position:match.start()], parent, blanked.count("\n", 0, position) + 1, problems)
        position = match.end()
        if closing:
            if stack and stack[-1].name == name:
                stack.pop()
            continue
        problems.extend(_element_problems(name, parent, stack, line))
        if not _in_free_content(stack) or parent == "mj-attributes":
            problems.extend(_attribute_problems(name, parent, source, match.start(3), rest, line))
        if not (rest.rstrip().endswith("/") or name in ("br", "img", "hr", "meta", "link", "input", "col")):
            stack.append(_Open(name, line))
    return problems


def _in_free_content(stack: list[_Open]) -> bool:
    """Inside a component whose content is HTML or text, or inside mj-attributes."""
    return any(
        item.name == "mj-attributes" and item is not stack[-1]
        or (item.name in COMPONENTS and COMPONENTS[item.name].content in (HTML, TEXT))
        or not item.name.startswith("mj")
        for item in stack
    )


def _check_text(text: str, parent: str | None, line: int, problems: list[RuleProblem]) -> None:
    if parent is None or parent not in COMPONENTS or COMPONENTS[parent].content not in (CHILDREN, None):
        return
    stripped = text.strip()
    if stripped:
        line += text[: text.index(stripped[0])].count("\n")
        where = (gettext("an <mj-text> inside <mj-section><mj-column>")
                 if parent in ("mj-body", "mj-wrapper", "mj-section") else gettext("an <mj-text>"))
        problems.append(RuleProblem(line, gettext("text “%(text)s” directly inside <%(parent)s> is not shown: "
                                                  "put it in %(where)s")
                                    % {"text": _short(stripped), "parent": parent, "where": where}))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


def _element_problems(name: str, parent: str | None, stack: list[_Open], line: int) -> Iterator[RuleProblem]:
    if _in_free_content(stack):
        holders = [item.name for item in stack if item.name in COMPONENTS
                   and COMPONENTS[item.name].content in (HTML, TEXT)]
        if name.startswith("mj-") and holders:
            yield RuleProblem(line, gettext("<%(name)s> inside <%(holder)s> is not an MJML component there "
                                            "(<%(holder)s> holds text and HTML): close <%(holder)s> before it")
                              % {"name": name, "holder": holders[-1]})
        return
    if parent == "mj-attributes":
        if name not in ATTRIBUTE_DEFAULTS and name not in COMPONENTS:
            yield RuleProblem(line, gettext("<%(name)s> in <mj-attributes> names no component (use <mj-all>, "
                                            "<mj-class> or a component such as <mj-text>)") % {"name": name}
                              + _guess(name))
        return
    if name in UNSUPPORTED:
        yield RuleProblem(line, gettext("<%(name)s> is not supported by drip's MJML engine (mjml-python)")
                          % {"name": name})
        return
    if name not in COMPONENTS:
        if name.startswith("mj"):
            yield RuleProblem(line, gettext("<%(name)s> is not an MJML component") % {"name": name} + _guess(name))
        elif parent is not None:
            yield RuleProblem(line, gettext("HTML <%(name)s> cannot be directly inside <%(parent)s>: put HTML in "
                                            "an <mj-text> or <mj-raw>") % {"name": name, "parent": parent})
        return
    if parent is None:
        if name != "mjml":
            yield RuleProblem(line, gettext("<%(name)s> must be inside <mjml>") % {"name": name})
        return
    if parent in COMPONENTS and name not in COMPONENTS[parent].children:
        allowed = gettext(" or ").join(f"<{p}>" for p in PARENTS[name]) or gettext("nothing")
        yield RuleProblem(line, gettext("<%(name)s> cannot be directly inside <%(parent)s>: it goes inside "
                                        "%(allowed)s") % {"name": name, "parent": parent, "allowed": allowed})


def _guess(name: str) -> str:
    known = [*COMPONENTS, *ATTRIBUTE_DEFAULTS]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return gettext(" — did you mean <%(name)s>?") % {"name": close[0]} if close else ""


def _attribute_problems(name: str, parent: str | None, source: str, offset: int, rest: str,
                        line: int) -> Iterator[RuleProblem]:
    if parent == "mj-attributes" and name in ATTRIBUTE_DEFAULTS:
        # Defaults for many components at once: any component's attribute name.
        types: dict[str, str] = {}
        allowed = {a for spec in COMPONENTS.values() for a in spec.attributes} | set(EVERYWHERE) | {"name"}
    elif name in COMPONENTS:
        types = {**COMPONENTS[name].attributes, **EVERYWHERE}
        allowed = set(types)
    else:
        return
    for match in _ATTRIBUTE.finditer(rest):
        attribute = match.group(1)
        if attribute == "/":
            continue
        at_line = line + rest.count("\n", 0, match.start())
        if attribute not in allowed:
            yield RuleProblem(at_line, _unknown_attribute(name, attribute, allowed))
            continue
        raw = match.group(2)
        if raw is None or attribute not in types:
            continue
        start = offset + match.start(2)
        value = source[start:start + len(raw)].strip("\"'")
        if _TEMPLATE.search(value):
            continue  # filled in per recipient: checked when rendered
        problem = value_problem(value, types[attribute])
        if problem:
            yield RuleProblem(at_line, gettext("%(attribute)s=“%(value)s” on <%(name)s> %(problem)s")
                              % {"attribute": attribute, "value": value, "name": name, "problem": problem})


def _unknown_attribute(name: str, attribute: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(attribute, sorted(allowed), n=1, cutoff=0.75)
    if close:
        return gettext("<%(name)s> has no attribute “%(attribute)s” — did you mean “%(close)s”?") % {
            "name": name, "attribute": attribute, "close": close[0]}
    owners = [other for other, spec in COMPONENTS.items()
              if attribute in spec.attributes and other not in COMPONENTS["mj-head"].children]
    if owners:
        return gettext("<%(name)s> has no attribute “%(attribute)s” (it belongs on %(owners)s)") % {
            "name": name, "attribute": attribute,
            "owners": ", ".join(f"<{o}>" for o in owners[:3]) + ("…" if len(owners) > 3 else "")}
    return gettext("<%(name)s> has no attribute “%(attribute)s”") % {"name": name, "attribute": attribute}
