"""An email built from blocks → one MJML source, remembering which lines each
block produced so problems are reported on the right block."""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings

from ..models.layouts import Layout
from .languages import email_language


@dataclass(frozen=True)
class BlockSpan:
    first_line: int
    last_line: int
    number: int  # 1-based position in the body
    label: str


@dataclass(frozen=True)
class Assembled:
    source: str
    spans: tuple[BlockSpan, ...]

    def locate(self, line: int) -> tuple[BlockSpan | None, int]:
        """The block holding `line` and the line within it (None: the layout)."""
        for span in self.spans:
            if span.first_line <= line <= span.last_line:
                return span, line - span.first_line + 1
        return None, line


def default_layout() -> Layout:
    return Layout(name="default", shop_name=getattr(settings, "WAGTAIL_SITE_NAME", "") or "Our shop")


def assemble(email) -> Assembled:
    """Cached per distinct content: the tick renders the same email for many
    recipients, and building MJML from blocks is not free."""
    layout = email.layout or default_layout()
    language = email_language(email)  # of the footer
    key = (json.dumps(email.body.raw_data, sort_keys=True, default=str), email.preheader, language,
           tuple(getattr(layout, f.attname) for f in Layout._meta.concrete_fields))
    return _assemble(key, email.body, email.preheader, layout, language)


_cache: dict = {}  # bounded below; the key is the content itself, so no invalidation


def _assemble(key, body, preheader: str, layout: Layout, language: str) -> Assembled:
    if key in _cache:
        return _cache[key]
    opening = layout.opening(preheader)
    parts, spans = [opening], []
    line = opening.count("\n") + 1
    for number, child in enumerate(body, 1):
        mjml = child.block.to_mjml(child.value).rstrip("\n")
        height = mjml.count("\n") + 1
        spans.append(BlockSpan(line, line + height - 1, number, str(child.block.label)))
        parts.append(mjml + "\n")
        line += height
    parts.append(layout.closing(language))
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = assembled = Assembled("".join(parts), tuple(spans))
    return assembled
