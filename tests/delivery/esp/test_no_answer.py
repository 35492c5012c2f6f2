"""At most once over an ESP's HTTP API: a call that went out and got no
answer (the read timed out) may have been accepted, so the message is
"outcome unknown" and never resent; a call that never connected sent
nothing and is retried. Through anymail's real Postmark backend."""
from __future__ import annotations

import datetime as dt

from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.delivery.esp.test_esp_sending import POSTMARK, send_drip
from tests.factories import free_port


@POSTMARK
def test_esp_read_timeout_after_the_request_went_out_is_outcome_unknown_never_resent(db, clock, esp, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": 0.5}
    esp.latency = 3.0  # the fake ESP has the message, but answers after the sender stopped waiting
    (message,) = send_drip("ann@example.com")
    assert (message.status, message.error[:15]) == ("failed", "outcome unknown")
    assert len(esp.requests) == 1

    esp.latency = 0.0
    clock.shift(dt.timedelta(days=2))
    tick()
    message.refresh_from_db()
    assert message.status == "failed" and len(esp.requests) == 1, "never sent a second time"


@POSTMARK
def test_esp_that_cannot_be_reached_sent_nothing_and_the_message_is_retried(db, clock, esp, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/"}
    (message,) = send_drip("ann@example.com")
    assert message.status == "retry_scheduled" and message.handed_at is None
