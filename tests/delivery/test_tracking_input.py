"""Issue 15, point 4: anymail's normalised tracking event, whatever its fields
hold, is stored safely (coerced, truncated) or ignored — never an exception."""
from __future__ import annotations

import datetime as dt

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core.validators import validate_email
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from drip_plugin.delivery.tracking import record_tracking_event
from drip_plugin.models import Message, MessageEvent
from tests.delivery.esp_webhooks import ESPS
from tests.delivery.test_compliance import first_email
from tests.delivery.test_esp_webhooks import JSON_VALUES

THE_MESSAGE = "<the message's pk>"  # replaced by the real one in the test
ODD = JSON_VALUES | st.datetimes() | st.datetimes(timezones=st.timezones()) | st.binary(max_size=10)
EVENTS = st.builds(
    AnymailTrackingEvent,
    event_type=st.sampled_from(["bounced", "deferred", "rejected", "clicked", "delivered", "unsubscribed",
                                "complained", "opened"]) | ODD,
    recipient=st.sampled_from(["ada@example.com", " Ada@Example.COM", "x" * 250 + "@example.com"]) | ODD,
    description=ODD, click_url=ODD, reject_reason=st.sampled_from(["invalid", "bounced", "blocked"]) | ODD,
    event_id=st.sampled_from(["ev-1", "ev-2"]) | ODD, message_id=ODD, timestamp=ODD,
    metadata=st.fixed_dictionaries({"drip_message": st.just(THE_MESSAGE) | ODD}) | ODD,
    esp_event=st.fixed_dictionaries({"Type": st.sampled_from(["SoftBounce", "HardBounce"]) | ODD}) | ODD,
)


@pytest.mark.parametrize("through_the_signal", [False, True])
def test_point4_any_normalised_event_is_stored_within_bounds_or_ignored(db, clock, caplog, through_the_signal):
    first_email("ada@example.com")
    message = Message.objects.get()

    @hypothesis_settings(max_examples=80, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(event=EVENTS, esp_name=st.sampled_from([*ESPS, "TestESP"]))
    def record(event, esp_name):
        if isinstance(event.metadata, dict) and event.metadata.get("drip_message") == THE_MESSAGE:
            event.metadata["drip_message"] = str(message.pk)
        before = MessageEvent.objects.count()
        if through_the_signal:  # what anymail calls: it must never raise (a 500 makes the ESP retry forever)
            tracking.send(sender=object, event=event, esp_name=esp_name)
            stored = MessageEvent.objects.order_by("pk").last() if MessageEvent.objects.count() > before else None
        else:  # no safety net: the checks themselves must hold
            stored = record_tracking_event(event, esp_name)
        if stored is None:
            assert MessageEvent.objects.count() == before
            return
        stored.refresh_from_db()
        validate_email(stored.recipient)
        assert stored.recipient == stored.recipient.strip().lower() and len(stored.recipient) <= 254
        assert len(stored.event_type) <= 32 and len(stored.esp_event_id) <= 255
        assert len(stored.description) <= 2000 and len(stored.url) <= 2000
        assert stored.occurred_at.utcoffset() == dt.timedelta(0)
        assert stored.bounce in ("", "soft", "hard")

    record()
    assert MessageEvent.objects.exists(), "some events must be stored, or nothing was tested"
    assert "could not be recorded" not in caplog.text, "the receiver's last line of defence was needed"
