"""Deliverability and accessibility checks on an email: warnings for the
editor, never a reason to refuse saving or publishing.

Each check reads the email's MJML (as assembled from blocks, layout included,
or as written raw) with the line each finding is on; block-built emails get
the block the line belongs to, as content problems do (validation.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from ..conf import drip_settings
from .validation import TAG, VOID_TAGS, blank_template_syntax

# Gmail clips an HTML part over 102 KB ("[Message clipped]"): the rest, the
# footer's unsubscribe link and our open pixel included, is hidden. Counted
# in kB of 1000 bytes, so the warning comes a little early rather than late.
GMAIL_CLIP_BYTES = 102_000
# Mobile inboxes (iOS Mail, Gmail app in portrait) show about 40 characters
# of a subject line before cutting it.
SUBJECT_MOBILE_CHARS = 40
# WCAG 2.x AA: 4.5:1 for normal text, 3:1 for large text (24px, or 18.66px
# = 14pt bold).
NORMAL_TEXT_CONTRAST, LARGE_TEXT_CONTRAST = 4.5, 3.0
# Fewer words than this in an email with images: it reads as an image-only
# email (spam filters, images off) — the layout's header and footer not counted.
ALL_IMAGE_MIN_WORDS = 10

# MJML's own defaults for the colours it paints.
MJML_DEFAULTS = {"mj-text": {"color": "#000000"},
                 "mj-button": {"color": "#ffffff", "background-color": "#414141"}}
# Components whose content is HTML or text: inner tags are content, not elements.
CONTENT_COMPONENTS = {"mj-text", "mj-button", "mj-raw", "mj-table", "mj-preview", "mj-title", "mj-style",
                      "mj-navbar-link", "mj-social-element", "mj-accordion-title", "mj-accordion-text"}
BACKGROUND_ATTRIBUTES = ("container-background-color", "inner-background-color", "background-color")
ATTRIBUTE = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
LINK = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.S | re.I)
IMG = re.compile(r"<img\b([^>]*)>", re.I)
NAMED_COLOURS = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
                 "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "yellow": "#ffff00"}


@dataclass(frozen=True)
class Warning:
    """One finding: `line` in the MJML source, or within `block` (1-based
    position in the body, with its label) for a block-built email."""

    code: str
    message: str
    line: int | None = None
    block: int | None = None
    block_label: str = ""

    def __str__(self) -> str:
        if self.block is not None:
            return f"Block {self.block} ({self.block_label}), line {self.line}: {self.message}"
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Element:
    name: str
    line: int
    attributes: dict[str, str]
    ancestors: list[Element]
    content: str = ""  # blanked HTML/text of a content component
    layout: bool = False  # written by the layout (header, footer), not the email's own content
    children: list[Element] = field(default_factory=list)


def parse(source: str, own_lines: set[int] | None = None) -> list[Element]:
    """The MJML elements in document order, each with its resolved attributes
    (mj-attributes defaults, mj-class, inline) and its ancestors; template
    syntax blanked out, so a colour filled in per recipient reads as unset.
    `own_lines`: the lines of the email's own content (None: all of them)."""
    text = blank_template_syntax(source)
    defaults: dict[str, dict[str, str]] = {}
    classes: dict[str, dict[str, str]] = {}
    elements: list[Element] = []
    stack: list[Element] = []
    inside: tuple[Element, int] | None = None  # the content component we are in, where its content starts
    for match in TAG.finditer(text):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if inside:
            if closing and name == inside[0].name:
                inside[0].content = text[inside[1]:match.start()]
                stack.pop()
                inside = None
            continue
        if closing:
            if stack and stack[-1].name == name:
                stack.pop()
            continue
        attributes = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)).strip()
                      for m in ATTRIBUTE.finditer(rest)}
        in_attributes = bool(stack) and stack[-1].name == "mj-attributes"
        if in_attributes:
            if name == "mj-class":
                classes[attributes.pop("name", "")] = attributes
            else:
                defaults.setdefault(name, {}).update(attributes)
            continue
        line = source.count("\n", 0, match.start()) + 1
        resolved = {**MJML_DEFAULTS.get(name, {}), **defaults.get("mj-all", {}), **defaults.get(name, {})}
        for class_name in attributes.pop("mj-class", "").split():
            resolved.update(classes.get(class_name, {}))
        resolved.update({key: value for key, value in attributes.items() if value})
        element = Element(name, line, resolved, list(stack),
                          layout=own_lines is not None and line not in own_lines)
        elements.append(element)
        if rest.rstrip().endswith("/") or name in VOID_TAGS:
            continue
        stack.append(element)
        if name in CONTENT_COMPONENTS:
            inside = (element, match.end())
    return elements


def parse_colour(value: str) -> tuple[int, int, int] | None:
    value = NAMED_COLOURS.get(value.strip().lower(), value.strip())
    if match := re.fullmatch(r"#([0-9a-fA-F]{3})", value):
        return tuple(int(digit * 2, 16) for digit in match.group(1))
    if match := re.fullmatch(r"#([0-9a-fA-F]{6})", value):
        return tuple(int(match.group(1)[i:i + 2], 16) for i in (0, 2, 4))
    if match := re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+\s*)?\)", value):
        return tuple(min(int(part), 255) for part in match.groups())
    return None


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _background(element: Element, own: tuple[str, ...]) -> str:
    """The colour behind an element: its own, else the nearest ancestor's,
    else white (what mail clients paint when nothing is set)."""
    for item, attributes in ((element, own), *((a, BACKGROUND_ATTRIBUTES) for a in reversed(element.ancestors))):
        for attribute in attributes:
            value = item.attributes.get(attribute, "")
            if parse_colour(value):
                return value
    return "#ffffff"


def _is_large(attributes: dict[str, str]) -> bool:
    size = re.fullmatch(r"([\d.]+)px", attributes.get("font-size", "13px"))
    pixels = float(size.group(1)) if size else 13.0
    bold = attributes.get("font-weight", "").lower() in ("bold", "bolder", "600", "700", "800", "900")
    return pixels >= 24 or (bold and pixels >= 18.66)


def _words(html: str) -> list[str]:
    return re.findall(r"\w+", strip_tags(html))


def contrast_warnings(elements: list[Element]) -> Iterator[Warning]:
    for element in elements:
        if element.name not in ("mj-text", "mj-button") or not _words(element.content):
            continue
        own = ("background-color",) if element.name == "mj-button" else ("container-background-color",)
        colour, background = element.attributes.get("color", ""), _background(element, own)
        foreground, behind = parse_colour(colour), parse_colour(background)
        if foreground is None or behind is None:
            continue
        ratio, needed = contrast_ratio(foreground, behind), (
            LARGE_TEXT_CONTRAST if _is_large(element.attributes) else NORMAL_TEXT_CONTRAST)
        if ratio < needed:
            yield Warning("contrast", _("text colour %(colour)s on %(background)s has a contrast of %(ratio).1f:1, "
                                        "under the %(needed)g:1 WCAG AA asks for: hard to read for many people")
                          % {"colour": colour, "background": background, "ratio": ratio, "needed": needed},
                          element.line)


def alt_warnings(elements: list[Element]) -> Iterator[Warning]:
    for element in elements:
        if element.name == "mj-image" and not element.attributes.get("alt", "").strip():
            yield Warning("image_alt", _("image without alt text: screen readers and clients with images off "
                                         "show nothing (describe the image in its alt)"), element.line)
        for match in IMG.finditer(element.content):
            alt = dict((m.group(1).lower(), m.group(2) or m.group(3) or "") for m in ATTRIBUTE.finditer(match.group(1)))
            if not alt.get("alt", "").strip():
                yield Warning("image_alt", _("<img> without alt text: describe the image in its alt"),
                              element.line + element.content.count("\n", 0, match.start()))


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", strip_tags(text).lower()))


def link_text_warnings(elements: list[Element]) -> Iterator[Warning]:
    vague = {_normalised(text) for text in drip_settings.LINK_TEXT_TO_AVOID}
    for element in elements:
        links = [(0, element.content)] if element.name == "mj-button" and element.attributes.get("href") else [
            (match.start(), match.group(2)) for match in LINK.finditer(element.content)]
        for offset, text in links:
            if _normalised(text) in vague:
                yield Warning("link_text", _("link text “%(text)s” says nothing out of context (screen readers "
                                             "list links alone): say where it goes") % {"text": _normalised(text)},
                              element.line + element.content.count("\n", 0, offset))


def preheader_warnings(elements: list[Element]) -> Iterator[Warning]:
    if not any(element.name == "mj-preview" and element.content.strip() for element in elements):
        yield Warning("preheader", _("no preheader: inboxes show the email's first words instead "
                                     "(fill in the preheader, or <mj-preview> in raw MJML)"))


def all_image_warnings(elements: list[Element]) -> Iterator[Warning]:
    own = [element for element in elements if not element.layout]
    images = [element for element in own if element.name == "mj-image" or IMG.search(element.content)]
    words = sum(len(_words(element.content)) for element in own if element.name in ("mj-text", "mj-button"))
    if images and words < ALL_IMAGE_MIN_WORDS:
        yield Warning("all_images", _("mostly images (%(words)d words of text): with images off (the default "
                                      "in many clients) the email says nothing, and spam filters distrust it; "
                                      "write at least %(minimum)d words of text")
                      % {"words": words, "minimum": ALL_IMAGE_MIN_WORDS}, images[0].line)


def size_warnings(html_bytes: int | None) -> Iterator[Warning]:
    if html_bytes is not None and html_bytes > GMAIL_CLIP_BYTES:
        yield Warning("html_size", _("the HTML is %(size)s bytes: Gmail clips emails over %(limit)s bytes, "
                                     "hiding the rest and the unsubscribe link")
                      % {"size": f"{html_bytes:,}", "limit": f"{GMAIL_CLIP_BYTES:,}"})


def subject_warnings(subject: str) -> Iterator[Warning]:
    if len(subject) > SUBJECT_MOBILE_CHARS:
        yield Warning("subject_length", _("the subject is %(length)d characters: mobile inboxes show about "
                                          "%(shown)d, so “%(start)s…” is what most readers see")
                      % {"length": len(subject), "shown": SUBJECT_MOBILE_CHARS,
                         "start": subject[:SUBJECT_MOBILE_CHARS]})


def source_warnings(source: str, *, subject: str, html_bytes: int | None,
                    own_lines: set[int] | None = None) -> list[Warning]:
    """Every warning about one email's MJML `source`, its (rendered) subject
    and the size of its compiled HTML as sent."""
    elements = parse(source, own_lines)
    return [*subject_warnings(subject), *preheader_warnings(elements), *size_warnings(html_bytes),
            *all_image_warnings(elements), *alt_warnings(elements), *contrast_warnings(elements),
            *link_text_warnings(elements)]


def email_warnings(email) -> list[Warning]:
    """The warnings of an Email, rendered for the sample contact; a
    block-built email's warnings on the block they come from."""
    from .assembly import assemble
    from .email import render_email
    from .errors import TemplateProblem
    from .languages import email_language
    from .mjml import unix_newlines
    from .preview import sample_merge_context

    try:
        rendered = render_email(email, sample_merge_context(email_language(email)))
        subject, html_bytes = rendered.subject, len(rendered.html.encode())
    except TemplateProblem:  # a content problem, reported as such; nothing to measure
        subject, html_bytes = email.subject, None
    if email.uses_raw_mjml:
        return source_warnings(unix_newlines(email.mjml), subject=subject, html_bytes=html_bytes)
    assembled = assemble(email)
    own_lines = {line for span in assembled.spans for line in range(span.first_line, span.last_line + 1)}
    found = source_warnings(assembled.source, subject=subject, html_bytes=html_bytes, own_lines=own_lines)
    located = []
    for warning in found:
        span, line = assembled.locate(warning.line) if warning.line else (None, None)
        located.append(Warning(warning.code, warning.message, line, span.number, span.label) if span else
                       Warning(warning.code, _("layout: %(message)s") % {"message": warning.message} if line else warning.message, line))
    return located
