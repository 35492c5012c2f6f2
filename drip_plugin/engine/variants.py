"""A/B tests: which email of a step a contact gets, stable across retries."""
from __future__ import annotations

import hashlib

from ..models import Message, Step


def choose_variant(enrollment_id: int, step: Step) -> str:
    """"" without a test; else "B" for `variant_percent` % of enrollments, "A"
    for the rest. Hashing (not random) keeps the split stable and auditable."""
    if not step.variant_email_id:
        return ""
    bucket = int.from_bytes(hashlib.sha256(f"{enrollment_id}:{step.pk}".encode()).digest()[:4], "big") % 100
    return "B" if bucket < step.variant_percent else "A"


def email_of(message: Message):
    """The email this message sends: the step's, or its variant B."""
    step = message.step
    return step.variant_email if message.variant == "B" and step.variant_email_id else step.email
