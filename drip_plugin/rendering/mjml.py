"""MJML → HTML, compiled once per distinct source (i.e. once per step revision)."""
from __future__ import annotations

import functools
import re

# The extension module itself, not the `mjml` package: django-mjml (bench
# extra) ships a `mjml/__init__.py` of its own that overwrites mjml-python's.
from mjml.mjml import mjml2html

from .errors import TemplateProblem


_ROOT_TAG = re.compile(r"<mjml(?=[\s>])([^>]*)>")
_LANG_ATTRIBUTE = re.compile(r"\slang\s*=")


@functools.lru_cache(maxsize=512)  # per message otherwise: a new copy of the source to hash each time
def with_language(source: str, language: str) -> str:
    """`<mjml>` → `<mjml lang="…">`: MJML writes it to `<html lang>`, by which
    screen readers choose their voice (without it: "und", undetermined)."""
    root = _ROOT_TAG.search(source)
    if root is None or not language or _LANG_ATTRIBUTE.search(root.group(1)):
        return source
    return f'{source[:root.end(1)]} lang="{language}"{source[root.end(1):]}'


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
