"""drip_plugin: drip email campaigns for Django and Wagtail stores.

Public API: ``track()``, ``track_many()``, ``identify()``, ``enroll()``, ``record_consent()``, ``HostEvent`` (what EVENT_MAPPINGS
mappers return), ``InvalidEvent`` and ``__version__``.
"""
from .exceptions import DripError, InvalidEvent
from .integrations.signals import HostEvent

__version__ = "0.1.0"
__all__ = ["DripError", "HostEvent", "InvalidEvent", "__version__", "enroll", "identify", "record_consent", "track", "track_many"]


def track(event_name, **kwargs):
    """Record an event; see drip_plugin.ingest.track.track."""
    from .ingest import track as _track

    return _track(event_name, **kwargs)


def track_many(events):
    """Record many events at once (dicts of track()'s arguments), with the
    effect of track() on each; see drip_plugin.ingest.track.track_many."""
    from .ingest import track_many as _track_many

    return _track_many(events)


def identify(email, **kwargs):
    """Create or update a contact with names, time zone, locale, phone and
    attributes; see drip_plugin.ingest.identify.identify."""
    from .ingest import identify as _identify

    return _identify(email, **kwargs)


def enroll(contact, sequence, **kwargs):
    """Start a contact on a published sequence; see drip_plugin.engine.enroll.
    Raises DripError for a sequence that is not live (a draft would send nothing)."""
    from .engine import enroll as _enroll

    if not sequence.live:
        raise DripError(f"sequence {sequence.name!r} is not published: publish it (and its emails) first")
    return _enroll(contact, sequence, **kwargs)


def record_consent(**kwargs):
    """Record a grant or withdrawal of consent; see drip_plugin.consent.gdpr.record_consent."""
    from .consent.gdpr import record_consent as _record_consent

    return _record_consent(**kwargs)
