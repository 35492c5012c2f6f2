"""Issue 21: migration 0060 carries today's two-variant steps over exactly."""
from __future__ import annotations

import hashlib
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from drip_plugin.engine.variants import choose_variant
from drip_plugin.models import Step

BEFORE = ("drip_plugin", "0050_lock_workflow_gdpr_permissions")


def former_choice(enrollment_id: int, step_id: int, percent: int) -> str:
    """The rule engine/variants.py had before A/B/n: "B" for `percent` % of hashes."""
    bucket = int.from_bytes(hashlib.sha256(f"{enrollment_id}:{step_id}".encode()).digest()[:4], "big") % 100
    return "B" if bucket < percent else "A"


@pytest.mark.django_db(transaction=True)
def test_point_migration_carries_two_variant_steps_over_with_every_contacts_variant():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    locale = old.get_model("wagtailcore", "Locale").objects.get_or_create(language_code="en")[0]
    Email = old.get_model("drip_plugin", "Email")
    emails = [Email.objects.create(name=name, subject=name, mjml="<mjml></mjml>", live=True, locale=locale,
                                   translation_key=uuid.uuid4()) for name in ("A", "B")]
    sequence = old.get_model("drip_plugin", "Sequence").objects.create(name="S", trigger_event="signed_up")
    OldStep = old.get_model("drip_plugin", "Step")
    tested = OldStep.objects.create(sequence=sequence, sort_order=0, email=emails[0], variant_email=emails[1],
                                    variant_percent=30)
    plain = OldStep.objects.create(sequence=sequence, sort_order=1, email=emails[0])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    step = Step.objects.get(pk=tested.pk)
    (variant,) = step.variants.all()
    assert (step.control_weight, variant.label, variant.email_id, variant.weight) == (70, "B", emails[1].pk, 30)
    assert all(choose_variant(n, step) == former_choice(n, step.pk, 30) for n in range(1, 2001))
    assert choose_variant(1, Step.objects.get(pk=plain.pk)) == "" and not Step.objects.get(pk=plain.pk).variants.exists()
