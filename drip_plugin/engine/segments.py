"""How many current contacts a sequence's filters match, for the editor
while they edit them: the engine's own evaluate() on every contact, read
in one query. Only contact conditions can be counted; conditions on the
event or on past activity depend on the event, and are said to."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from ..models import Contact
from .conditions import Facts, evaluate

CONTACT_FIELDS = ("email", "first_name", "last_name", "locale", "time_zone", "birthday", "attributes")


@dataclass(frozen=True)
class SegmentCount:
    matching: int  # contacts the contact conditions match
    subscribed: int  # of which subscribed to marketing email
    total: int  # contacts in all
    depends_on_event: list[str]  # conditions not counted, as the editor wrote them


def _about_contact(block) -> bool:
    if block.block_type == "field":
        return block.value["field"].strip().startswith("contact.")
    if block.block_type == "any_of":
        return all(_about_contact(child) for child in block.value["conditions"])
    return False


def _describe(block) -> str:
    if block.block_type == "field":
        return f"{block.value['field']} {block.value['operator']} {block.value.get('value') or ''}".strip()
    if block.block_type == "activity":
        return f"{block.value.get('happened', 'has')} {block.value['activity']}"
    return " or ".join(_describe(child) for child in block.value["conditions"])


def count_matching(conditions: Iterable) -> SegmentCount:
    """Count the contacts the contact conditions of `conditions` (a filter
    StreamValue) match; one query whatever the number of contacts."""
    counted = [block for block in conditions if _about_contact(block)]
    skipped = [_describe(block) for block in conditions if not _about_contact(block)]
    now = timezone.now()
    matching = subscribed = total = 0
    for row in Contact.objects.values(*CONTACT_FIELDS, "is_subscribed").iterator(chunk_size=2000):
        total += 1
        if evaluate(counted, Facts(contact=row, event={}, now=now))[0]:
            matching += 1
            subscribed += row["is_subscribed"]
    return SegmentCount(matching=matching, subscribed=subscribed, total=total, depends_on_event=skipped)
