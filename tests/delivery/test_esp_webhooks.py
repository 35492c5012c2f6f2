"""Issue 15: ESP tracking webhooks, posted to anymail's real URLs — replays
(point 3), hostile input (point 4), soft and hard bounces per ESP (point 6)."""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import traceback

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from drip_plugin.models import Consent, Contact, Message, MessageEvent, Suppression
from tests.factories import run_concurrently
from tests.delivery.esp_webhooks import ANYMAIL_SETTINGS, CLICKED_URL, ESPS, payload, post, send_event
from tests.delivery.test_compliance import first_email, sent_messages

pytestmark = pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid")


@pytest.fixture(autouse=True)
def anymail_webhooks(settings):
    settings.ANYMAIL = ANYMAIL_SETTINGS


def one_message(address: str = "ada@example.com") -> Message:
    first_email(address)
    return Message.objects.get()


def contact() -> Contact:
    return Contact.objects.get()


# Point 6: soft bounces are counted per message and classified per ESP.

@pytest.mark.parametrize("esp", ESPS)
def test_point6_eight_retries_of_one_message_count_as_one_soft_bounce(db, clock, client, esp):
    message = one_message()
    for _ in range(8):
        send_event(client, esp, "deferred", message)
    assert MessageEvent.objects.filter(message=message, bounce="soft").count() == 8
    assert contact().consecutive_soft_bounces == 1
    assert not Suppression.objects.exists() and contact().is_subscribed


@pytest.mark.parametrize("esp", ESPS)
@pytest.mark.parametrize(("kind", "suppression"), [("soft", None), ("hard", "hard bounce")])
def test_point6_a_soft_bounce_is_counted_a_hard_one_suppresses(db, clock, client, esp, kind, suppression):
    message = one_message()
    send_event(client, esp, kind, message)
    assert MessageEvent.objects.get().bounce == kind
    assert list(Suppression.objects.values_list("reason", flat=True)) == ([suppression] if suppression else [])
    assert contact().is_subscribed is (suppression is None)
    assert contact().consecutive_soft_bounces == (1 if kind == "soft" else 0)


@pytest.mark.parametrize("esp", [esp for esp in ESPS if esp != "Mailgun"])  # Mailgun: a permanent failure
def test_point6_an_address_refused_as_invalid_is_suppressed(db, clock, client, esp):
    message = one_message()
    send_event(client, esp, "invalid", message)
    assert Suppression.objects.exists() and not contact().is_subscribed


@pytest.mark.parametrize("esp", ESPS)
def test_point6_soft_bounced_messages_in_a_row_suppress_and_a_delivery_starts_again(db, clock, client, esp):
    messages = sent_messages(clock, "ada@example.com", 17)
    for message in messages[:7]:
        for _ in range(2):  # each reported twice: counted once
            send_event(client, esp, "soft", message)
    assert contact().consecutive_soft_bounces == 7 and not Suppression.objects.exists()
    send_event(client, esp, "delivered", messages[7])
    assert contact().consecutive_soft_bounces == 0
    for message in messages[8:]:  # SOFT_BOUNCE_LIMIT is 7: the 8th in a row suppresses
        send_event(client, esp, "soft", message)
    assert Suppression.objects.get().reason == "repeated soft bounces" and not contact().is_subscribed


@pytest.mark.parametrize("esp", ESPS)
def test_point6_a_click_is_stored_with_its_url_and_resets_the_count(db, clock, client, esp):
    message = one_message()
    send_event(client, esp, "soft", message)
    send_event(client, esp, "clicked", message)
    assert MessageEvent.objects.get(event_type="clicked").url == CLICKED_URL
    assert contact().consecutive_soft_bounces == 0


# Point 3: the same event posted by many at once is stored and acted on once.

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="SQLite serialises writers; the race needs PostgreSQL")


@pytest.mark.postgres
@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_point3_ten_threads_posting_one_soft_bounce_store_it_once(clock):
    message = one_message()
    body, headers = payload("Postmark", "soft", message)

    statuses = run_concurrently(lambda: post(Client(), "Postmark", body, headers).status_code, times=10)

    assert statuses == [200] * 10
    assert MessageEvent.objects.count() == 1
    assert contact().consecutive_soft_bounces == 1


@pytest.mark.postgres
@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_point3_ten_threads_posting_one_unsubscribe_record_one_withdrawal(clock):
    message = one_message()
    (event,), headers = payload("SendGrid", "delivered", message)
    body = [{**event, "event": "unsubscribe"}]

    run_concurrently(lambda: post(Client(), "SendGrid", body, headers).status_code, times=10)

    assert MessageEvent.objects.filter(event_type="unsubscribed").count() == 1
    assert Consent.objects.filter(granted=False).count() == 1 and not contact().is_subscribed


def test_point3_one_resent_event_is_stored_once_per_recipient(db, clock, client):
    message = one_message()
    body, headers = payload("Amazon SES", "soft", message)
    for _ in range(3):
        assert post(client, "Amazon SES", body, headers).status_code == 200
    assert MessageEvent.objects.count() == 1 and contact().consecutive_soft_bounces == 1


# Point 4: whatever the fields hold, no 5xx from drip code.

def test_point4_a_click_whose_original_link_is_an_object_is_stored_without_its_url(db, clock, client):
    message = one_message()
    body, headers = payload("Postmark", "clicked", message)
    body["OriginalLink"] = {"href": CLICKED_URL}
    assert post(client, "Postmark", body, headers).status_code == 200
    stored = MessageEvent.objects.get()
    assert (stored.event_type, stored.url, stored.recipient) == ("clicked", "", "ada@example.com")


def test_point4_a_bounce_whose_recipient_is_a_number_is_the_message_s_recipient(db, clock, client):
    message = one_message()
    body, headers = payload("Postmark", "hard", message)
    body["Email"] = 12345
    assert post(client, "Postmark", body, headers).status_code == 200
    assert MessageEvent.objects.get().recipient == "ada@example.com" and Suppression.objects.exists()


def test_point4_an_event_with_no_usable_recipient_and_no_message_is_ignored_with_a_log_line(
        db, clock, client, caplog):
    message = one_message()
    body, headers = payload("Postmark", "hard", message)
    body.update(Email=["not", "an", "address"], Metadata={"drip_message": "²"}, MessageID={"id": 1})
    with caplog.at_level(logging.INFO, logger="drip_plugin.delivery"):
        assert post(client, "Postmark", body, headers).status_code == 200
    assert not MessageEvent.objects.exists() and not Suppression.objects.exists()
    assert "names no valid recipient and matches no drip message; ignored" in caplog.text


JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63)
                | st.floats(allow_nan=False) | st.text(max_size=20)
                | st.builds(str.__mul__, st.characters(), st.integers(2000, 40000)))  # huge strings
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=3),
    max_leaves=6)
# Fields of each ESP's event that anymail hands to drip, as paths into the
# posted event (the real values stay where the fuzz leaves them alone, so that
# many payloads get past anymail's parsing to our receiver).
FUZZED_FIELDS = {
    "Postmark": ["RecordType", "Type", "TypeCode", "ID", "Email", "Recipient", "Description", "OriginalLink",
                 "Metadata", "MessageID", "BouncedAt", "DeliveredAt", "ReceivedAt", "Details", "Tag"],
    "SendGrid": ["event", "email", "timestamp", "sg_event_id", "url", "type", "reason", "response",
                 "drip_message", "smtp-id", "anymail_id", "category", "status"],
    "Mailgun": ["event", "severity", "reason", "recipient", "timestamp", "url", "user-variables", "message",
                "delivery-status", "client-info", "tags", "reject"],
    "Amazon SES": ["eventType", "bounce", "bounce/bounceType", "bounce/bounceSubType", "bounce/bouncedRecipients",
                   "click", "click/link", "mail/messageId", "mail/headers", "mail/destination"],
    "Brevo": ["event", "email", "ts_epoch", "message-id", "X-Mailin-custom", "link", "reason", "tags", "tag"],
}
REAL_VALUES = st.sampled_from(["bounce", "Bounce", "Click", "SoftBounce", "HardBounce", "BadEmailAddress",
                               "deferred", "failed", "temporary", "soft_bounce", "Transient", "Permanent",
                               "clicked", "delivered", "ada@example.com", "ADA@EXAMPLE.COM "])


def _event_object(esp: str, body):
    """The ESP event inside the posted body, which the fuzz rewrites."""
    if esp == "SendGrid":
        return body[0]
    if esp == "Mailgun":
        return body["event-data"]
    if esp == "Amazon SES":
        return json.loads(body["Message"])
    return body


def fuzzed(esp: str, kind: str, message: Message, changes: dict):
    body, headers = copy.deepcopy(payload(esp, kind, message))
    event = _event_object(esp, body)
    for path, value in changes.items():
        *parents, name = path.split("/")
        target = event
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[name] = value
    if esp == "Amazon SES":
        body["Message"] = json.dumps(event)
    return body, headers


@contextlib.contextmanager
def drip_errors():
    """Collects what drip_plugin logs at ERROR (its receiver's last line of defence)."""
    records = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    logger = logging.getLogger("drip_plugin")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize("esp", ESPS)
def test_point4_fuzzed_webhooks_of_each_esp_never_fail_in_drip_code(db, clock, client, esp):
    message = one_message()
    anymail_failures = []

    @hypothesis_settings(max_examples=40, deadline=None, database=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(kind=st.sampled_from(["deferred", "soft", "hard", "delivered", "clicked"]),
           changes=st.dictionaries(st.sampled_from(FUZZED_FIELDS[esp]), REAL_VALUES | JSON_VALUES, max_size=4))
    def post_fuzzed(kind, changes):
        body, headers = fuzzed(esp, kind, message, changes)
        with drip_errors() as errors:
            try:
                response = post(client, esp, body, headers)
            except Exception as exc:  # anymail's parsing raised before drip code ran: anymail's
                frames = traceback.extract_tb(exc.__traceback__)
                assert not [f for f in frames if "/drip_plugin/" in f.filename], traceback.format_exc()
                anymail_failures.append(type(exc).__name__)
            else:
                assert response.status_code < 500
        assert not errors, [record.getMessage() for record in errors]

    post_fuzzed()
    # Most payloads must reach drip, or the test proves nothing about drip.
    assert MessageEvent.objects.count() >= 10, anymail_failures


@pytest.mark.django_db(transaction=True)
def test_point3_the_migration_keeps_the_earliest_of_duplicate_events_then_makes_them_unique():
    from django.db import IntegrityError
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("drip_plugin", "0012_contact_email_lowercase")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        OldEvent = executor.loader.project_state(before).apps.get_model("drip_plugin", "MessageEvent")
        rows = [("ev-1", "a@example.com", "first"), ("ev-1", "a@example.com", "copy"),
                ("ev-1", "a@example.com", "copy"), ("ev-1", "b@example.com", "other recipient"),
                ("", "a@example.com", "no id"), ("", "a@example.com", "no id")]
        for event_id, recipient, description in rows:
            OldEvent.objects.create(event_type="deferred", recipient=recipient, esp_event_id=event_id,
                                    description=description, occurred_at=timezone.now())
    finally:
        executor = MigrationExecutor(connection)  # a fresh graph: back to the latest schema
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert sorted(MessageEvent.objects.values_list("description", flat=True)) == [
        "first", "no id", "no id", "other recipient"]
    with pytest.raises(IntegrityError):
        MessageEvent.objects.create(event_type="deferred", recipient="a@example.com", esp_event_id="ev-1",
                                    occurred_at=timezone.now())
