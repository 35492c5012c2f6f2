"""Issue 5: generic host mapping — a host's model save or signal emits the configured event."""
from __future__ import annotations

from decimal import Decimal

from django.core import checks
from django.db import transaction

from drip_plugin.checks import check_event_mappings
from drip_plugin.models import Event
from tests.toyshop.models import ToyOrder, cart_abandoned_by_host, refund_issued_by_host


def test_generic_mapping_toy_host_model_save_emits_the_configured_event(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = ToyOrder.objects.create(email="Host@Example.com", number="T-1", total=Decimal("12.50"))
    assert not Event.objects.exists(), "the mapper ignores unpaid orders"
    with django_capture_on_commit_callbacks(execute=True):
        order.paid = True
        order.save()
        order.save()  # saved twice: the mapper's idempotency key records it once
    event = Event.objects.get()
    assert (event.name, event.contact.email, event.properties["order"]["total"]) == (
        "order_completed", "host@example.com", "12.50")


def test_generic_mapping_rolled_back_save_emits_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                ToyOrder.objects.create(email="h@example.com", number="T-2", total=1, paid=True)
                raise RuntimeError("the host's checkout fails after saving the order")
        except RuntimeError:
            pass
    assert callbacks == [] and not Event.objects.exists()


def test_generic_mapping_a_mapper_returning_the_wrong_type_never_breaks_the_host(
    db, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund_issued_by_host.send(sender=None)  # must not raise
    assert not Event.objects.exists()
    assert "wrong_type_mapper): event" in caplog.text and "not tracked" in caplog.text


def test_generic_mapping_custom_signal_and_a_broken_mapper_never_break_the_host(
    db, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cart_abandoned_by_host.send(sender=None, email="w@example.com")
    names = sorted(Event.objects.values_list("name", flat=True))
    # product_viewed without product_id is refused by the catalogue, with a log line.
    assert names == ["wishlist_reminder"]
    assert "event product_viewed not tracked" in caplog.text
    assert "tests.toyshop.drip.broken_mapper): mapper failed" in caplog.text


def test_generic_mapping_a_mapper_returning_a_non_iterable_or_a_failing_generator_never_breaks_the_host(
    db, caplog, django_capture_on_commit_callbacks
):
    from django.db.models.signals import post_save

    from drip_plugin.integrations.signals import HostEvent, Mapping, receiver_for

    def failing_generator(**kwargs):
        yield HostEvent("wishlist_reminder", email="g@example.com")
        raise AttributeError("a host bug in the second event")

    for number, mapper in enumerate([lambda **kwargs: True, failing_generator]):
        receiver = receiver_for(Mapping(mapper=mapper, signal=post_save, sender=ToyOrder), f"test mapping {number}")
        post_save.connect(receiver, sender=ToyOrder, weak=False, dispatch_uid=f"test-mapping-{number}")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ToyOrder.objects.create(email="h@example.com", number="T-9", total=1)  # must not raise
    finally:
        for number in range(2):
            post_save.disconnect(sender=ToyOrder, dispatch_uid=f"test-mapping-{number}")
    assert "test mapping 0: the mapper returned <class 'bool'>, not HostEvents" in caplog.text
    assert "test mapping 1: the mapper returned <class 'generator'>" in caplog.text


def test_generic_mapping_misconfiguration_is_a_system_check_error(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EVENT_MAPPINGS": [
        {"model": "toyshop.Nope", "mapper": "tests.toyshop.drip.order_event"},
        {"signal": "tests.toyshop.models.cart_abandoned_by_host", "mapper": "tests.toyshop.drip.missing"},
        {"model": "toyshop.ToyOrder"},
        {"signal": "tests.toyshop.models.ToyOrder", "mapper": "tests.toyshop.drip.order_event"},
    ]}
    errors = check_event_mappings()
    assert [e.id for e in errors] == ["drip_plugin.E050"] * 4
    assert all(e.level == checks.ERROR for e in errors)
    assert "model 'toyshop.Nope' is not installed" in errors[0].msg
    assert "mapper 'tests.toyshop.drip.missing' cannot be imported" in errors[1].msg
    assert "needs a 'mapper'" in errors[2].msg
    assert "is not a django.dispatch.Signal" in errors[3].msg
