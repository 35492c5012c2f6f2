"""Issue 25: quiet hours in the contact's time zone (across DST) and per-channel frequency caps."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from drip_plugin import track
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.channels.sms.conftest import sms_contact, sms_text

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.mark.parametrize(("due_utc", "opening_utc"), [
    # Saturday 28 March 2026, 23:00 in Paris (CET, UTC+1); clocks go forward that night: 08:00 CEST is 06:00 UTC.
    (dt.datetime(2026, 3, 28, 22, 0, tzinfo=UTC), dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    # Saturday 24 October 2026, 23:00 in Paris (CEST, UTC+2); clocks go back that night: 08:00 CET is 07:00 UTC.
    (dt.datetime(2026, 10, 24, 21, 0, tzinfo=UTC), dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
])
def test_point_quiet_hours_defer_an_sms_due_at_2300_local_to_0800_local_across_dst(
        make_sequence, clock, twilio_fake, due_utc, opening_utc):
    make_sequence("Cart", "checkout_updated", [{"kind": "sms", "sms": sms_text("Your cart waits")}])
    sms_contact(time_zone="Europe/Paris")
    clock.move_to(due_utc)
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    assert tick().sent == 0
    clock.move_to(opening_utc - dt.timedelta(seconds=1))
    assert tick().sent == 0
    assert twilio_fake.received == []
    clock.move_to(opening_utc)
    assert tick().sent == 1
    assert Message.objects.get().sent_at == opening_utc
    assert opening_utc.astimezone(ZoneInfo("Europe/Paris")).time() == dt.time(8, 0)


def test_point_quiet_hours_do_not_hold_email(make_sequence, clock, twilio_fake):
    make_sequence("Cart", "checkout_updated", [{"subject": "Your cart"}])
    sms_contact(time_zone="Europe/Paris")
    clock.move_to(dt.datetime(2026, 3, 28, 22, 0, tzinfo=UTC))
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    assert tick().sent == 1


def test_point_quiet_hours_off_when_set_to_none(make_sequence, clock, twilio_fake, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SMS_QUIET_HOURS": None}
    make_sequence("Cart", "checkout_updated", [{"kind": "sms", "sms": sms_text("Your cart waits")}])
    sms_contact(time_zone="Europe/Paris")
    clock.move_to(dt.datetime(2026, 3, 28, 22, 0, tzinfo=UTC))
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    assert tick().sent == 1


def test_point_sms_frequency_cap_counts_sms_apart_from_email(make_sequence, clock, twilio_fake, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SMS_FREQUENCY_CAP": {"count": 1, "days": 1},
                            "FREQUENCY_CAP": {"count": 1, "days": 1}}
    make_sequence("Cart", "checkout_updated", [
        {"subject": "Your cart"},
        {"kind": "sms", "sms": sms_text("Your cart waits"), "delay_amount": 1, "delay_unit": "hours"},
        {"kind": "sms", "sms": sms_text("Last call", name="Last"), "delay_amount": 1, "delay_unit": "hours"},
    ])
    sms_contact()
    track("checkout_updated", email="cat@example.com", properties={"checkout_id": "c1"})
    tick()
    clock.shift(dt.timedelta(hours=1))
    tick()  # the email used up the email cap, not the SMS one
    assert (len(mail.outbox), len(twilio_fake.received)) == (1, 1)
    clock.shift(dt.timedelta(hours=1))
    tick()
    assert len(twilio_fake.received) == 1, "the second SMS waits for the SMS cap (deferred by default)"
    clock.shift(dt.timedelta(hours=23) - dt.timedelta(seconds=1))
    tick()
    assert len(twilio_fake.received) == 1
    clock.shift(dt.timedelta(seconds=1))  # a day after the first SMS
    tick()
    assert [r.form["Body"] for r in twilio_fake.received] == ["Your cart waits", "Last call"]
