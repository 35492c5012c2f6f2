from __future__ import annotations

import pytest

from tests.factories import build_sequence


@pytest.fixture
def flow(db):
    """flow(trigger, [step fields...], **sequence fields) → a live Sequence
    named after its trigger (see tests.factories.build_sequence)."""

    def build(trigger: str, steps: list[dict], **fields):
        return build_sequence(fields.pop("name", trigger), trigger, steps, **fields)

    return build
