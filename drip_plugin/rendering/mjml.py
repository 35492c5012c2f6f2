"""MJML → HTML, compiled once per distinct source (i.e. once per step revision)."""
from __future__ import annotations

import functools

# The extension module itself, not the `mjml` package: django-mjml (bench
# extra) ships a `mjml/__init__.py` of its own that overwrites mjml-python's.
from mjml.mjml import mjml2html

from .errors import TemplateProblem


def unix_newlines(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\r", "\n")


@functools.lru_cache(maxsize=512)
def compile_mjml(source: str) -> str:
    """Compile MJML (with Django template tags still inside) to HTML."""
    try:
        # Browsers submit textareas with CRLF; mjml-python rejects "\r" in <mj-head>.
        return mjml2html(unix_newlines(source))
    except ValueError as exc:
        raise TemplateProblem(f"MJML: {exc}") from None
