"""A/B variants per step: a stable split, recorded per message, measured per variant."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.core import mail

from drip_plugin import track
from drip_plugin.engine.variants import choose_variant
from drip_plugin.models import Email, Message, Step, StepVariant
from drip_plugin.analytics.reports import step_report
from drip_plugin.scheduling import tick
from tests.factories import WELCOME_MJML, build_sequence
from tests.analytics.test_conversions import engage


def ab_sequence(percent: int = 50):
    sequence = build_sequence(steps=[(0, "days", "Subject A")])
    step = sequence.steps.get()
    StepVariant.objects.create(step=step, label="B", weight=percent,
                               email=Email.objects.create(name="B", subject="Subject B", mjml=WELCOME_MJML, live=True))
    Step.objects.filter(pk=step.pk).update(control_weight=100 - percent)
    return Step.objects.get(pk=step.pk)


def test_ab_split_sends_each_contact_one_stable_variant_tagged_for_the_esp(db, clock):
    step = ab_sequence(percent=30)
    for n in range(200):
        track("signed_up", email=f"ab{n}@example.com")
    tick()
    sent = {m.to[0]: m for m in mail.outbox}
    messages = list(Message.objects.select_related("step"))
    assert len(sent) == len(messages) == 200
    for message in messages:
        email = sent[message.to_email]
        assert email.subject == f"Subject {message.variant}"
        assert email.metadata["drip_variant"] == message.variant and f"drip-variant-{message.variant}" in email.tags
        assert choose_variant(message.enrollment_id, step) == message.variant, "stable: the same answer again"
    share_b = Counter(m.variant for m in messages)["B"] / 200
    assert 0.2 <= share_b <= 0.4, share_b


def test_ab_report_shows_each_variant_with_its_own_clicks_and_revenue(db, clock):
    ab_sequence()
    for n in range(20):
        track("signed_up", email=f"r{n}@example.com")
    tick()
    b_message = Message.objects.filter(variant="B").first()
    clock.shift(dt.timedelta(minutes=1))  # a person, not a link scanner on arrival
    engage(b_message, "clicked")
    track("order_completed", email=b_message.to_email,
          properties={"order_id": "o1", "order": {"total": "25.00", "currency": "EUR"}})
    (welcome,) = step_report()
    rows = {row.variant: row for row in welcome.steps}
    assert set(rows) == {"A", "B"}
    assert rows["A"].sent + rows["B"].sent == 20
    assert (rows["B"].clicked, rows["B"].converted, rows["B"].revenue) == (1, 1, {"EUR": Decimal("25.00")})
    assert (rows["A"].clicked, rows["A"].revenue) == (0, {})


def test_step_without_variant_email_is_not_a_test(db, clock):
    build_sequence(steps=[(0, "days", "Only")])
    track("signed_up", email="solo@example.com")
    tick()
    assert Message.objects.get().variant == "" and "drip_variant" not in mail.outbox[0].metadata


def test_ab_unpublished_variant_fails_its_messages_with_the_reason_and_a_keeps_sending(db, clock):
    step = ab_sequence()
    Email.objects.filter(variant_of_steps__step=step).update(live=False)
    for n in range(20):
        track("signed_up", email=f"u{n}@example.com")
    tick()
    statuses = {m.variant: (m.status, m.error) for m in Message.objects.all()}
    assert statuses["A"] == ("sent", "")
    assert statuses["B"] == ("failed", "TemplateProblem: email 'B' is not published")
