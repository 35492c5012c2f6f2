"""Frequency caps: how many marketing messages of a channel a contact got lately."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..conf import drip_settings
from ..models import Message
from ..models.messages import MessageStatus


def global_cap() -> tuple[int, int] | None:
    """The email channel's cap (FREQUENCY_CAP)."""
    cap = drip_settings.FREQUENCY_CAP
    return (int(cap["count"]), int(cap["days"])) if cap else None


class CapLedger:
    """Recent marketing sends of a batch's contacts, loaded in one query and
    updated in memory as the batch queues more. Each channel is capped on its
    own: an SMS does not use up the contact's emails."""

    def __init__(self, contact_ids, now: dt.datetime, longest_days: int):
        self.sent: dict[int, list[tuple[dt.datetime, int, str]]] = defaultdict(list)
        if not contact_ids or not longest_days:
            return
        rows = (
            Message.objects.filter(
                enrollment__contact_id__in=contact_ids,
                created_at__gt=now - dt.timedelta(days=longest_days),
                enrollment__sequence__transactional=False,
            )
            # Only what went out or will: a message refused or failed reached no one.
            .exclude(status__in=[MessageStatus.FAILED, MessageStatus.SUPPRESSED])
            .values_list("enrollment__contact_id", "created_at", "enrollment__sequence_id", "channel")
        )
        for contact_id, created_at, sequence_id, channel in rows:
            self.sent[contact_id].append((created_at, sequence_id, channel))

    def next_allowed(self, contact_id: int, sequence, now: dt.datetime, channel) -> dt.datetime | None:
        """None if a message of `channel` may go now, else the earliest time one may."""
        limits = []
        if cap := channel.frequency_cap():
            limits.append((cap[0], cap[1], None))
        if sequence.cap_count and sequence.cap_days:
            limits.append((sequence.cap_count, sequence.cap_days, sequence.pk))
        later = None
        for count, days, only_sequence in limits:
            window = dt.timedelta(days=days)
            times = sorted(
                at for at, seq, sent_on in self.sent[contact_id]
                if sent_on == channel.name and at > now - window and (only_sequence is None or seq == only_sequence)
            )
            if len(times) >= count:
                # Free again when the oldest send that keeps us at the cap ages out.
                free_at = times[len(times) - count] + window
                later = max(later or free_at, free_at)
        return later

    def record(self, contact_id: int, sequence_id: int, now: dt.datetime, channel) -> None:
        self.sent[contact_id].append((now, sequence_id, channel.name))
