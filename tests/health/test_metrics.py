"""Issue 19, operator health: the Prometheus endpoint and drip_status."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from drip_plugin import track
from drip_plugin.scheduling import tick

from .seed import seed_health

TOKEN = "s3cret-scrape-token"
with_token = override_settings(DRIP_PLUGIN={**settings.DRIP_PLUGIN, "METRICS_TOKEN": TOKEN})

EXPECTED = {
    ("drip_messages", (("status", "queued"),)): 1,
    ("drip_messages", (("status", "sending"),)): 0,
    ("drip_messages", (("status", "retry_scheduled"),)): 1,
    ("drip_messages", (("status", "sent"),)): 4,
    ("drip_messages", (("status", "failed"),)): 4,
    ("drip_messages", (("status", "suppressed"),)): 0,
    ("drip_messages_sent_total", ()): 4,
    ("drip_oldest_due_message_age_seconds", ()): 120,
    ("drip_message_failures", (("reason", "AnymailAPIError"),)): 2,
    ("drip_message_failures", (("reason", "SMTPRecipientsRefused"),)): 1,
    ("drip_message_failures", (("reason", "outcome unknown"),)): 1,
    ("drip_message_events_total", (("type", "opened"),)): 3,
    ("drip_message_events_total", (("type", "clicked"),)): 1,
    ("drip_saleor_webhook_deliveries", (("event_type", "ORDER_CREATED"), ("state", "processed"))): 2,
    ("drip_saleor_webhook_deliveries", (("event_type", "CHECKOUT_UPDATED"), ("state", "pending"))): 1,
    ("drip_saleor_webhook_deliveries", (("event_type", "CHECKOUT_UPDATED"), ("state", "failing"))): 1,
    ("drip_saleor_oldest_pending_delivery_age_seconds", ()): 30,
}


def scraped(text: str) -> dict:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if not sample.name.endswith("_created")}


@with_token
def test_point_metrics_parsed_by_prometheus_match_the_database(db, client, clock):
    seed_health(timezone.now())
    response = client.get("/drip/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    values = scraped(response.content.decode())
    assert {key: values.get(key) for key in EXPECTED} == EXPECTED
    # The enrollment's next step is none (one-step sequence): no due journey, no lag.
    assert values[("drip_oldest_due_enrollment_age_seconds", ())] == 0


@with_token
def test_point_metrics_query_count_does_not_grow_with_data(db, client, clock):
    seed_health(timezone.now())
    with CaptureQueriesContext(connection) as few:
        client.get("/drip/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    for n in range(20):
        track("signed_up", email=f"x{n}@example.com")
    tick()
    with CaptureQueriesContext(connection) as many:
        client.get("/drip/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert len(many) == len(few) <= 8


@with_token
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer "])
def test_point_metrics_without_the_token_is_403(db, client, header, caplog):
    headers = {"Authorization": header} if header else {}
    response = client.get("/drip/metrics/", headers=headers)
    assert response.status_code == 403
    assert TOKEN.encode() not in response.content and b"drip_messages" not in response.content
    assert "metrics refused" in caplog.text


def test_metrics_are_off_by_default(db, client):
    assert client.get("/drip/metrics/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_point_drip_status_prints_the_same_figures(db, clock):
    seed_health(timezone.now())
    out = io.StringIO()
    call_command("drip_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert 'drip_messages{status="failed"} 4' in lines
    assert 'drip_messages{status="queued"} 1' in lines
    assert "drip_oldest_due_message_age_seconds 120" in lines
    assert 'drip_message_failures{reason="outcome unknown"} 1' in lines
    assert 'drip_message_failures{reason="AnymailAPIError"} 2' in lines
    assert 'drip_message_events{type="opened"} 3' in lines
    assert 'drip_saleor_webhook_deliveries{event_type="CHECKOUT_UPDATED", state="failing"} 1' in lines
