"""One step + one recipient's merge data → subject, HTML and text."""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from ..conf import drip_settings
from .errors import TemplateProblem
from .mjml import compile_mjml, web_fonts
from .sandbox import freeze, render_template
from .text import html_to_text


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@functools.lru_cache(maxsize=512)
def text_template(compiled_html: str) -> str:
    """The plain-text part as a template, derived once per compiled email:
    template tags are text to the HTML parser, so they come through intact."""
    return html_to_text(compiled_html)


def compiled_html(email) -> str:
    """The email's MJML compiled to HTML, template tags still in (cached per distinct source)."""
    return compile_mjml(email.mjml_source(), web_fonts())


def render_email(email, merge: Mapping[str, Any], compiled: str | None = None, language: str | None = None
                 ) -> RenderedEmail:
    """Render an Email for one recipient. Raises TemplateProblem on bad content.

    Only Django template passes run per recipient: the MJML compile and the
    HTML → text conversion are cached per distinct source. A caller rendering
    the same email for many recipients passes its `compiled_html()`: finding
    it in the cache means building the email's MJML source again each time.
    The email's language (default: its locale's) is active while it renders:
    filters such as `date` and `money` write for its reader.
    """
    compiled = compiled or compiled_html(email)
    from .languages import email_language  # imports the models, which import this package

    merge = freeze(merge)  # once for the three passes, not per pass
    with translation.override(language or email_language(email)):
        html = render_template(compiled, merge)
        text = render_template(text_template(compiled), merge, autoescape=False)
        subject = render_subject(email, merge)
    return within_size_cap(RenderedEmail(subject=subject, html=html, text=text))


def within_size_cap(rendered: RenderedEmail) -> RenderedEmail:
    """`rendered`, unless subject, HTML and text together are over
    MAX_RENDERED_BYTES (TemplateProblem: that message fails, not its batch)."""
    size = sum(len(part.encode()) for part in (rendered.subject, rendered.html, rendered.text))
    if size > drip_settings.MAX_RENDERED_BYTES:
        raise TemplateProblem(f"the rendered email is {size:,} bytes, over the {drip_settings.MAX_RENDERED_BYTES:,} "
                              "an email may have (MAX_RENDERED_BYTES)")
    return rendered


def render_subject(email, merge: Mapping[str, Any]) -> str:
    """The subject line: plain text (not HTML-escaped), on one line."""
    return " ".join(render_template(email.subject, merge, autoescape=False).split())
