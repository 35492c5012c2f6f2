"""Who gets what: the variant of an A/B/n-tested step a contact gets, and
whether an entrant is held out of a sequence's emails.

Both are hashes, not random draws, so the answer is the same on every tick,
retry and simulation, and auditable. The variant is also stored on the
Message when it is queued (Message.email() sends that variant's email), so a
retry keeps it even after an auto-winner changed where new sends go.
"""
from __future__ import annotations

import hashlib

from ..models import Sequence, Step
from ..models.sequences import ExperimentState


def _bucket(key: str, size: int) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % size


def variant_weights(step: Step) -> list[tuple[str, int]]:
    """(label, weight) in hashing order: B, C, … first, A last. With one
    variant B of weight p and A of 100 − p this is the split of the former
    two-variant steps (bucket < p → B), so migrated tests keep every contact's letter."""
    variants = sorted(step.variants.all(), key=lambda v: v.label)
    return [(v.label, v.weight) for v in variants] + [("A", step.control_weight)]


def standing_winner(step: Step) -> str:
    """The winner new sends go to: a decision applied and not reverted; "" for none."""
    decision = next(iter(step.experiment_decisions.all()), None)
    if decision is None or decision.reverted_at is not None or not decision.winner:
        return ""
    if decision.applied or step.experiment_state != ExperimentState.RUNNING:
        return decision.winner
    return ""


def choose_variant(enrollment_id: int, step: Step) -> str:
    """"" without a test; the standing winner once there is one; "A" once the
    experiment is stopped without one; else a letter by weight."""
    weights = variant_weights(step)
    if len(weights) == 1:
        return ""
    if winner := standing_winner(step):
        return winner
    if step.experiment_state != ExperimentState.RUNNING:
        return "A"
    bucket = _bucket(f"{enrollment_id}:{step.pk}", sum(weight for _, weight in weights))
    for label, weight in weights:
        if bucket < weight:
            return label
        bucket -= weight
    raise AssertionError("the buckets cover the weights")


def is_holdout(contact_id: int, sequence: Sequence, object_key: str) -> bool:
    """Whether this journey is held out: `holdout_percent` % of (contact, object) journeys."""
    return bool(sequence.holdout_percent) and _bucket(
        f"holdout:{contact_id}:{sequence.pk}:{object_key}", 100) < sequence.holdout_percent
