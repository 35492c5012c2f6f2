"""What the core learns from the apps and shells around it, registered from
their AppConfig.ready() or module: the core calls what is registered here and
never imports an integration (as anymail's core never imports an ESP), nor
the task queue."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .health.figures import Figure
    from .models import Contact

# A tick step gets the tick's time and batch size, and runs before the
# date events and enrollments of that tick (e.g. webhooks whose task was lost).
TickStep = Callable[[datetime, int], Any]
# An eraser deletes what its app holds about a contact, inside erase_contact's
# transaction and before the contact itself is deleted.
Eraser = Callable[["Contact"], Any]
# A health figure provider gets the time and returns its app's figures for
# the metrics endpoint and `drip_status` (e.g. Saleor webhook intake).
HealthFigureProvider = Callable[[datetime], list["Figure"]]

# Keyed by name, so an app whose ready() runs twice registers once.
_tick_steps: dict[str, TickStep] = {}
_erasers: dict[str, Eraser] = {}
_health_figure_providers: dict[str, HealthFigureProvider] = {}
# Exception types that stop a sender rather than fail the message in hand,
# besides whatever is no Exception (KeyboardInterrupt, SystemExit): the task
# shell registers its queue's own (tasks.py: Celery's soft time limit).
_interruptions: set[type[BaseException]] = set()


def register_tick_step(name: str, step: TickStep) -> None:
    _tick_steps[name] = step


def register_eraser(name: str, eraser: Eraser) -> None:
    _erasers[name] = eraser


def register_health_figures(name: str, provider: HealthFigureProvider) -> None:
    _health_figure_providers[name] = provider


def health_figure_providers() -> list[HealthFigureProvider]:
    return list(_health_figure_providers.values())


def tick_steps() -> list[TickStep]:
    return list(_tick_steps.values())


def erasers() -> list[Eraser]:
    return list(_erasers.values())


def register_interruption(exc_type: type[BaseException]) -> None:
    _interruptions.add(exc_type)


def is_interruption(exc: BaseException) -> bool:
    """Whether `exc` asks the sender to stop (not a message's own failure)."""
    return not isinstance(exc, Exception) or isinstance(exc, tuple(_interruptions))
