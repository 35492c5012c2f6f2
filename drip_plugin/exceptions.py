"""Exceptions raised by drip_plugin's public API."""


class DripError(Exception):
    """Base class of every error drip_plugin raises on purpose."""


class InvalidEvent(DripError, ValueError):
    """A tracked event cannot be recorded: bad email, no contact, bad name."""
