"""The channels drip sends on: the CHANNELS setting, one dotted class path
each, instantiated once per settings (tests may change them)."""
from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ..conf import drip_settings
from .base import Channel


@functools.cache
def channels() -> tuple[Channel, ...]:
    return tuple(import_string(path)() for path in drip_settings.CHANNELS)


def channel_named(name: str) -> Channel | None:
    return next((channel for channel in channels() if channel.name == name), None)


def channel_for_step(step) -> Channel | None:
    """The channel a step sends on; None for steps that send nothing (wait, branch, …)."""
    return next((channel for channel in channels() if channel.step_kind == step.kind), None)


def _forget(*, setting: str, **kwargs) -> None:
    if setting == "DRIP_PLUGIN":
        channels.cache_clear()


setting_changed.connect(_forget)
