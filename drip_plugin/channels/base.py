"""The channel interface: how a step's message leaves (email, SMS, web push).

The engine decides *that* a step is due (engine/progress.py); the step's
channel decides whether the contact can get it (an address and consent), when
it may leave (send windows, quiet hours), how often (frequency cap) and how it
leaves (sending the messages of a claimed batch), and reads the provider's
status callbacks. One class per channel, listed in the CHANNELS setting, like
anymail's per-ESP backends (registry.py).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import ClassVar

from ..delivery.outbox import SendResult
from ..engine.timing import after_quiet_hours, next_window_opening


@dataclass(frozen=True)
class Reach:
    """Whether a contact can get a message on a channel: where it goes, or
    why it cannot ("no phone number", "no SMS consent", …)."""
    address: str = ""
    refusal: str = ""

    @property
    def reachable(self) -> bool:
        return not self.refusal


class Channel:
    """One way a message leaves. Subclasses set the class attributes and
    implement the methods that raise NotImplementedError."""

    name: ClassVar[str]  # stored in Message.channel, Consent.channel; names the channel in CHANNELS' order
    label: ClassVar[str]  # for editors, e.g. "SMS"
    fallback_label: ClassVar[str]  # a Step.fallback choice, e.g. "send the step's SMS instead"
    step_kind: ClassVar[str]  # the StepKind whose steps send on this channel

    def has_content(self, step) -> bool:
        """Whether `step` holds content for this channel (its email, its SMS text, …)."""
        raise NotImplementedError

    def reach(self, contacts: Collection) -> dict[int, Reach]:
        """Reach of each contact (by pk): called once per channel for a whole
        batch of due steps, so one query at most."""
        raise NotImplementedError

    def quiet_hours(self) -> tuple[dt.time, dt.time] | None:
        """(start, end) local times in which nothing leaves on this channel; None: none."""
        return None

    def next_send_time(self, moment: dt.datetime, sequence, zone: dt.tzinfo) -> dt.datetime:
        """`moment` if a message may leave then, else the next time one may:
        inside the sequence's send windows and outside the channel's quiet
        hours, in the contact's zone `zone`."""
        for _ in range(8):  # a window may open in quiet hours, which may end outside any window: a few rounds
            allowed = after_quiet_hours(next_window_opening(moment, sequence.send_windows, zone),
                                        self.quiet_hours(), zone)
            if allowed == moment:
                break
            moment = allowed
        return moment

    def frequency_cap(self) -> tuple[int, int] | None:
        """(count, days): at most `count` marketing messages of this channel
        per contact in any `days` days; None: no cap of its own."""
        return None

    def send_due(self, now: dt.datetime, limit: int) -> SendResult:
        """Send this channel's due messages, claiming `limit` at a time."""
        raise NotImplementedError

    def send_claimed(self, claim: uuid.UUID, now: dt.datetime) -> SendResult:
        """Send the messages of this channel still leased to `claim` (a worker's batch)."""
        raise NotImplementedError

    def dispatch_due(self, now: dt.datetime, limit: int, hand_over: Callable[[uuid.UUID], None]) -> int:
        """Claim due messages of this channel and pass each claim to
        `hand_over` (which queues a worker task); returns how many were claimed."""
        raise NotImplementedError

    def urls(self) -> list:
        """URL patterns of its provider's callbacks (status, inbound), mounted
        under "<drip urls>/channels/<name>/"."""
        return []
