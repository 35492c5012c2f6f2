"""A/B tests: which variant of a step a contact gets, stable across retries
(Message.email() is the email of that variant)."""
from __future__ import annotations

import hashlib

from ..models import Step


def choose_variant(enrollment_id: int, step: Step) -> str:
    """"" without a test; else "B" for `variant_percent` % of enrollments, "A"
    for the rest. Hashing (not random) keeps the split stable and auditable."""
    if not step.variant_email_id:
        return ""
    bucket = int.from_bytes(hashlib.sha256(f"{enrollment_id}:{step.pk}".encode()).digest()[:4], "big") % 100
    return "B" if bucket < step.variant_percent else "A"

