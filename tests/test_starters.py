"""Issue 7: starter sequences — valid MJML with the unsubscribe footer,
created as drafts at most once, from the command or the admin."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from drip_plugin import track
from drip_plugin.models import Email, Enrollment, Sequence
from drip_plugin.models.enrollments import EnrollmentState
from drip_plugin.rendering import render_email
from drip_plugin.rendering.preview import sample_merge_context
from drip_plugin.rendering.validation import email_problems
from drip_plugin.scheduling import tick
from drip_plugin.starters import STARTERS, create_from_starter, get_starter

STARTER_EMAILS = [step.email for starter in STARTERS for step in starter.steps]


def publish(sequence: Sequence) -> None:
    for step in sequence.steps.all():
        step.email.latest_revision.publish()
    sequence.latest_revision.publish()


@pytest.mark.parametrize("starter_email", STARTER_EMAILS, ids=lambda e: e.body)
def test_starter_email_passes_validation_and_has_the_unsubscribe_footer(starter_email):
    assert email_problems(starter_email.mjml, starter_email.subject) == {}
    rendered = render_email(starter_email, sample_merge_context())
    # Preview links are on SITE_URL (tests: http://testserver), as in sent mail.
    for link in ('href="http://testserver/drip/test-link/"', "Unsubscribe", "Email preferences",
                 "Test Shop, 1 Test Street"):
        assert link in rendered.html, link


def test_starters_cover_the_seven_journeys():
    assert [(s.key, s.trigger_event) for s in STARTERS] == [
        ("welcome", "signed_up"), ("cart_abandonment", "checkout_updated"),
        ("browse_abandonment", "product_viewed"), ("order_review", "order_completed"),
        ("renewal_reminder", "renewal_due"), ("winback", "winback_due"), ("birthday", "birthday"),
    ]


def test_cart_starter_lists_each_line_and_links_the_restore_url():
    cart_email = get_starter("cart_abandonment").steps[0].email
    assert "{% for line in event.cart.lines %}" in cart_email.mjml
    html = render_email(cart_email, sample_merge_context()).html
    for text in ("Linen shirt", "Canvas tote", "Espresso cups (2)", "1 × €49.00",
                 'src="https://placehold.co/120x120/png"', 'href="https://shop.example/cart/restore/sample"'):
        assert text in html, text


def test_drip_starters_command_creates_drafts_once(db, capsys):
    call_command("drip_starters")
    assert Sequence.objects.count() == len(STARTERS)
    assert Email.objects.count() == len(STARTER_EMAILS)
    assert not Sequence.objects.filter(live=True).exists() and not Email.objects.filter(live=True).exists()
    assert all(s.latest_revision_id and s.has_unpublished_changes for s in Sequence.objects.all())
    call_command("drip_starters")
    assert (Sequence.objects.count(), Email.objects.count()) == (len(STARTERS), len(STARTER_EMAILS))
    assert capsys.readouterr().out.count("exists, unchanged") == len(STARTERS)


def test_starter_emails_kept_after_their_sequence_was_deleted_are_reused(db):
    sequence, _ = create_from_starter(get_starter("winback"))
    sequence.delete()
    again, created = create_from_starter(get_starter("winback"))
    assert created and Email.objects.count() == 2
    assert [s.email.name for s in again.steps.order_by("sort_order")] == ["Win-back #1", "Win-back #2: discount"]


def test_published_cart_starter_sends_the_cart_after_an_hour_and_stops_at_the_order(db, clock, settings):
    sequence, _ = create_from_starter(get_starter("cart_abandonment"))
    publish(sequence)
    cart = sample_merge_context()["event"]["cart"]
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1", "cart": cart})
    clock.shift(dt.timedelta(hours=1))
    tick()
    (sent,) = mail.outbox
    assert sent.subject == "You left something in your cart" and "Canvas tote" in sent.alternatives[0][0]
    track("order_completed", email="cat@example.com", properties={"order_id": "o1", "checkout_id": "c1"})
    clock.shift(dt.timedelta(days=2))
    tick()
    assert len(mail.outbox) == 1


def test_published_cart_starter_ends_the_journey_when_the_cart_is_emptied(db, clock):
    sequence, _ = create_from_starter(get_starter("cart_abandonment"))
    publish(sequence)
    cart = sample_merge_context()["event"]["cart"]
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1", "cart": cart})
    clock.shift(dt.timedelta(minutes=10))
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1", "cart": {**cart, "lines": []}})
    clock.shift(dt.timedelta(hours=2))
    tick()
    assert mail.outbox == []
    journey = Enrollment.objects.get(sequence=sequence)
    assert journey.state == EnrollmentState.EXITED
    assert journey.exit_reason == "flow filter no longer matches: event.cart.lines is_set"
