"""What each ESP takes per message (tags, metadata, header characters), by
the anymail backend drip sends through, so that compose asks for nothing the
ESP lacks: anymail refuses such a message (AnymailUnsupportedFeature) and the
ESP would answer 4xx, either way the message fails for good. What does not
fit is left out with one log line per ESP and cause, never a failed message.

The limits are the ESPs' documented ones (anymail's "Limitations and quirks"
page of each ESP; the README lists what drip does with each).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
from dataclasses import dataclass

from anymail.utils import get_anymail_setting

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ..conf import drip_settings

logger = logging.getLogger("drip_plugin.delivery")


@dataclass(frozen=True)
class EspLimits:
    """One ESP's per-message limits; None: no limit drip can reach."""
    name: str
    max_tags: int | None = None
    max_metadata_fields: int | None = None
    metadata_key_length: int | None = None
    metadata_value_length: int | None = None
    metadata_bytes: int | None = None  # all names and values together
    # Custom header values must be ASCII (anymail refuses others for Brevo,
    # which would send them as raw 8-bit).
    ascii_headers: bool = False

    @property
    def limits_metadata(self) -> bool:
        return any(limit is not None for limit in (
            self.max_metadata_fields, self.metadata_key_length, self.metadata_value_length, self.metadata_bytes))


_BREVO = EspLimits("Brevo", ascii_headers=True)

# By anymail's `esp_name`. Drip's own tags are short [a-z0-9-] words, within
# every ESP's tag length and character rules; only their number varies.
KNOWN = {
    "Postmark": EspLimits("Postmark", max_tags=1, max_metadata_fields=10, metadata_key_length=20,
                          metadata_value_length=80),
    "Mailgun": EspLimits("Mailgun", max_tags=3, metadata_bytes=4096),  # (4 KB: a cautious cap of ours)
    "SendGrid": EspLimits("SendGrid", max_tags=10, metadata_bytes=10_000),
    # anymail sends SES tags as X-Tag headers and metadata as an X-Metadata
    # header: no limit, unless AMAZON_SES_MESSAGE_TAG_NAME also asks for an
    # SES message tag (see limits_for).
    "Amazon SES": EspLimits("Amazon SES"),
    "Brevo": _BREVO,
    "SendinBlue": _BREVO,  # anymail's old name for Brevo's backend
    "Test": EspLimits("anymail's test backend"),  # records everything
}
# Another anymail ESP: several (Mailjet, SparkPost, Postal) take a single
# tag, and one tag never fails; metadata is small enough for all of them.
OTHER_ANYMAIL_ESP = EspLimits("", max_tags=1)
# A plain Django backend (SMTP, console…) ignores tags and metadata.
NOT_AN_ESP = EspLimits("")


def backend_path() -> str:
    return drip_settings.EMAIL_BACKEND or settings.EMAIL_BACKEND


@functools.cache  # per backend; cleared when settings change (tests)
def limits_for(path: str) -> EspLimits:
    esp_name = getattr(import_string(path), "esp_name", None)
    if not isinstance(esp_name, str):  # anymail's base class has it as an abstract property
        return NOT_AN_ESP
    limits = KNOWN.get(esp_name) or dataclasses.replace(OTHER_ANYMAIL_ESP, name=esp_name)
    if esp_name == "Amazon SES" and get_anymail_setting(
            "message_tag_name", esp_name=esp_name, allow_bare=False, default=None) is not None:
        limits = dataclasses.replace(limits, max_tags=1)  # anymail then sends the tag as an SES message tag too
    return limits


_logged: set[tuple[str, str]] = set()


def _degrade_once(limits: EspLimits, cause: str, text: str, *args) -> None:
    """Log what was left out, once per ESP and cause (not once per message)."""
    if (limits.name, cause) not in _logged:
        _logged.add((limits.name, cause))
        logger.warning(text + " (logged once)", limits.name, *args)


def fit_tags(tags: list[str], limits: EspLimits) -> list[str]:
    """The first tags (most useful first) the ESP takes."""
    if limits.max_tags is None or len(tags) <= limits.max_tags:
        return tags
    kept, left_out = tags[:limits.max_tags], tags[limits.max_tags:]
    _degrade_once(limits, "tags", "%s takes %s tag(s) per message: drip sends %s and leaves out %s "
                  "(the message's metadata still has its step and variant)", limits.max_tags, kept, left_out)
    return kept


def fit_metadata(metadata: dict[str, str], limits: EspLimits) -> dict[str, str]:
    """The fields (most useful first) the ESP takes; a field that does not fit is left out whole."""
    if not limits.limits_metadata:
        return metadata
    kept: dict[str, str] = {}
    size = 0
    for key, value in metadata.items():
        field_size = len(json.dumps({key: value}).encode())
        too_much = (
            (limits.max_metadata_fields is not None and len(kept) >= limits.max_metadata_fields)
            or (limits.metadata_key_length is not None and len(key) > limits.metadata_key_length)
            or (limits.metadata_value_length is not None and len(value) > limits.metadata_value_length)
            or (limits.metadata_bytes is not None and size + field_size > limits.metadata_bytes)
        )
        if too_much:
            _degrade_once(limits, f"metadata {key}", "%s cannot take the metadata field %r: left out", key)
            continue
        kept[key] = value
        size += field_size
    return kept


def fit_header(value: str, ascii_fallback: str, limits: EspLimits, name: str) -> str:
    """`value`, or `ascii_fallback` where the ESP takes ASCII header values only."""
    if not limits.ascii_headers or value.isascii():
        return value
    _degrade_once(limits, f"header {name}", "%s sends custom headers unencoded: drip writes %s without its "
                  "non-ASCII text", name)
    return ascii_fallback


def _forget(**kwargs) -> None:
    limits_for.cache_clear()
    _logged.clear()


setting_changed.connect(_forget)
