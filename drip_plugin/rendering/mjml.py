"""MJML → HTML, compiled once per distinct source (i.e. once per step revision)."""
from __future__ import annotations

import functools
import re

# The extension module itself, not the `mjml` package: django-mjml (bench
# extra) ships a `mjml/__init__.py` of its own that overwrites mjml-python's.
from mjml.mjml import mjml2html

from ..conf import drip_settings
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


def web_fonts() -> tuple[tuple[str, str], ...]:
    """The WEB_FONTS setting as a hashable key for compile_mjml's cache; a
    malformed one (check E070) loads no font rather than failing every send."""
    fonts = drip_settings.WEB_FONTS
    if not isinstance(fonts, dict):
        return ()
    return tuple(sorted((name, url) for name, url in fonts.items()
                        if isinstance(name, str) and isinstance(url, str) and url.startswith("https://")))


@functools.lru_cache(maxsize=512)
def compile_mjml(source: str, fonts: tuple[tuple[str, str], ...] = ()) -> str:
    """Compile MJML (with Django template tags still inside) to HTML.

    `fonts` (name → stylesheet URL) replaces MJML's own list, which loads
    Google Fonts for any font-family naming Open Sans, Lato, Roboto, Ubuntu
    … (MJML's default font is "Ubuntu, Helvetica, Arial"): a privacy leak to
    a third party in every email. Only fonts the host lists (WEB_FONTS) or
    the email asks for with <mj-font> are loaded."""
    try:
        # Browsers submit textareas with CRLF; mjml-python rejects "\r" in <mj-head>.
        return mjml2html(unix_newlines(source), fonts=dict(fonts))
    except ValueError as exc:
        raise TemplateProblem(f"MJML: {exc}") from None
