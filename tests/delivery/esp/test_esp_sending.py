"""Issue 15, point 0: drip messages through anymail's real backend for each
ESP the README documents, to a local fake of that ESP's API (fakes.py), which
refuses what the real ESP refuses. Each test sends through the engine's own
path (tick → send_due_messages) and asserts the request the ESP receives."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest
from anymail.signals import pre_send

from django.utils.text import slugify

from drip_plugin import track
from drip_plugin.delivery.esp import NOT_AN_ESP, fit_metadata, fit_tags, limits_for
from drip_plugin.models import Email, Message, Step, StepVariant
from drip_plugin.scheduling import tick
from tests.factories import WELCOME_MJML, build_sequence
from tests.delivery.esp.fakes import FakeAmazonSes, FakeBrevo, FakeMailgun, FakePostmark, FakeSendGrid, Request

UNSUBSCRIBE = r"<http://testserver/drip/unsubscribe/[^>]+/>, <mailto:unsubscribe@shop\.test\?subject=unsubscribe>"


def using(fake_class, backend, anymail_settings):
    return pytest.mark.parametrize("esp", [(fake_class, backend, anymail_settings)], indirect=True)


POSTMARK = using(FakePostmark, "anymail.backends.postmark.EmailBackend",
                 lambda url: {"POSTMARK_SERVER_TOKEN": "server-token", "POSTMARK_API_URL": url + "/"})

def sendgrid(test):
    # anymail 15 warns that it no longer supports SendGrid officially
    # (anymail issue 432); its backend still works, as these tests show.
    return pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")(
        using(FakeSendGrid, "anymail.backends.sendgrid.EmailBackend",
              lambda url: {"SENDGRID_API_KEY": "SG.key", "SENDGRID_API_URL": url + "/v3/"})(test))


MAILGUN = using(FakeMailgun, "anymail.backends.mailgun.EmailBackend",
                lambda url: {"MAILGUN_API_KEY": "key", "MAILGUN_API_URL": url + "/v3"})
BREVO = using(FakeBrevo, "anymail.backends.brevo.EmailBackend",
              lambda url: {"BREVO_API_KEY": "xkeysib-key", "BREVO_API_URL": url + "/v3/"})


def ses_settings(url: str, **more) -> dict:
    # Dummy credentials: boto3 signs the request; the fake only checks that it is signed.
    return {"AMAZON_SES_CLIENT_PARAMS": {"endpoint_url": url, "region_name": "eu-west-1",
                                         "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"},
            **more}


AMAZON_SES = using(FakeAmazonSes, "anymail.backends.amazon_ses.EmailBackend", ses_settings)
AMAZON_SES_MESSAGE_TAG = using(FakeAmazonSes, "anymail.backends.amazon_ses.EmailBackend",
                               lambda url: ses_settings(url, AMAZON_SES_MESSAGE_TAG_NAME="drip"))


def send_drip(*addresses: str, name: str = "Welcome", variant_b: bool = False) -> list[Message]:
    """Enroll each address in a one-step sequence (its step A/B-tested, all
    to B, if `variant_b`) and send through the tick, as the engine does."""
    sequence = build_sequence(name=name, steps=[(0, "days", "Hello {{ contact.email }}")])
    if variant_b:
        step = sequence.steps.get()
        StepVariant.objects.create(step=step, label="B", email=Email.objects.create(
            name="B", subject="Hi {{ contact.email }}", mjml=WELCOME_MJML, live=True))
        Step.objects.filter(pk=step.pk).update(control_weight=0)  # everyone gets B
    for address in addresses or ("ann@example.com",):
        track("signed_up", email=address)
    tick()
    return list(Message.objects.select_related("enrollment__sequence").order_by("pk"))


def assert_sent(messages: list[Message], fake) -> None:
    assert [(m.status, m.error) for m in messages] == [("sent", "")] * len(messages)
    assert len(fake.requests) == len(messages) and fake.refused == []
    assert [m.esp_message_id for m in messages] == [fake.request_to(m.to_email).message_id for m in messages], (
        "anymail parsed the ESP's message id")


def sent_ab_messages(esp) -> list[tuple[Message, Request]]:
    """Two messages of an A/B-tested step (variant B) sent to `esp`: each with its request."""
    messages = send_drip("ann@example.com", "bob@example.com", variant_b=True)
    assert_sent(messages, esp)
    return [(message, esp.request_to(message.to_email)) for message in messages]


def all_tags(message: Message) -> list[str]:
    return [f"drip-sequence-{message.enrollment.sequence.pk}", f"drip-variant-{message.variant}", "drip"]


@contextmanager
def host_adds_a_tag(to: str | None = None):
    """A host's anymail pre_send receiver adding a tag after compose (to `to`'s message, or to all)."""
    def add_a_tag(sender, message, esp_name, **kwargs):
        if to is None or message.to == [to]:
            message.tags = [*message.tags, "host-tag"]

    pre_send.connect(add_a_tag)
    try:
        yield
    finally:
        pre_send.disconnect(add_a_tag)


def drip_metadata(message: Message) -> dict[str, str]:
    metadata = {"drip_message": str(message.pk), "drip_enrollment": str(message.enrollment_id),
                "drip_step": str(message.step_id)}
    if message.variant:
        metadata["drip_variant"] = message.variant
    return metadata


def assert_drip_headers(headers, message: Message, message_id_header: str = "Message-ID") -> None:
    """The headers drip sets, as the ESP received them (`headers`: name → value)."""
    sequence = message.enrollment.sequence
    assert re.fullmatch(UNSUBSCRIBE, headers["List-Unsubscribe"])
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Id"] == f"{sequence.name} <{slugify(sequence.name)}.{sequence.pk}.drip.shop.test>"
    assert headers[message_id_header] == f"<drip.{message.token}@shop.test>"


def assert_drip_body(text: str, html: str) -> None:
    assert "welcome to the shop!" in text and "<html" not in text
    assert html.lstrip().startswith("<!doctype html>") and "Start shopping" in html


# --- Postmark -------------------------------------------------------------

@POSTMARK
def test_point0_postmark_receives_one_tag_and_list_unsubscribe(db, clock, esp, caplog):
    for message, request in sent_ab_messages(esp):
        data = request.json()
        sequence = message.enrollment.sequence
        assert data["Tag"] == f"drip-sequence-{sequence.pk}", "Postmark takes one tag: the sequence's"
        assert data["Metadata"] == drip_metadata(message) and data["Metadata"]["drip_variant"] == "B"
        assert_drip_headers({h["Name"]: h["Value"] for h in data["Headers"]}, message)
        assert (data["From"], data["To"], data["Subject"]) == (
            "Test Shop <hello@shop.test>", message.to_email, f"Hi {message.to_email}")
        assert_drip_body(data["TextBody"], data["HtmlBody"])
    assert caplog.text.count("Postmark takes 1 tag(s) per message: drip sends ['drip-sequence-") == 1, (
        "the tags left out are logged once, not per message")


@POSTMARK
def test_point0_postmark_fake_refuses_what_postmark_refuses(db, esp):
    # The fake's checks are real: metadata past Postmark's limits gets Postmark's 422.
    import requests

    refused = requests.post(esp.url + "/email", headers={"X-Postmark-Server-Token": "t"},
                            json={"From": "a@shop.test", "To": "b@example.com", "Metadata": {"x" * 21: "1"}})
    assert (refused.status_code, refused.json()["ErrorCode"]) == (422, 300)
    assert esp.requests == []


@POSTMARK
def test_point0_postmark_a_tag_that_still_slips_through_fails_that_message_only(db, clock, esp, caplog):
    # Point 0, item 3: a second tag added after compose (here by a host's
    # pre_send receiver) makes anymail refuse that one message; it fails
    # with the ESP's reason, logged, and the rest of the batch is sent.
    with host_adds_a_tag(to="bob@example.com"):
        messages = send_drip("ann@example.com", "bob@example.com", "cat@example.com")

    by_address = {m.to_email: m for m in messages}
    bob = by_address.pop("bob@example.com")
    assert bob.status == "failed" and bob.error.startswith("AnymailUnsupportedFeature: Postmark does not support "
                                                           "multiple tags")
    assert f"drip message {bob.pk} to bob@example.com failed: AnymailUnsupportedFeature" in caplog.text
    assert {m.status for m in by_address.values()} == {"sent"}
    assert sorted(esp.recipient(r) for r in esp.requests) == sorted(by_address)


# --- SendGrid -------------------------------------------------------------

@sendgrid
def test_point0_sendgrid_receives_categories_custom_args_and_list_unsubscribe(db, clock, esp):
    for message, request in sent_ab_messages(esp):
        data = request.json()
        assert data["categories"] == all_tags(message)
        assert data["custom_args"] == drip_metadata(message)
        assert_drip_headers(data["headers"], message)
        ((personalization),) = data["personalizations"]
        assert personalization["to"] == [{"email": message.to_email}]
        assert (data["from"], data["subject"]) == ({"email": "hello@shop.test", "name": "Test Shop"},
                                                   f"Hi {message.to_email}")
        text, html = data["content"]
        assert (text["type"], html["type"]) == ("text/plain", "text/html")
        assert_drip_body(text["value"], html["value"])


# --- Mailgun --------------------------------------------------------------

@MAILGUN
def test_point0_mailgun_receives_three_tags_variables_and_list_unsubscribe(db, clock, esp):
    for message, request in sent_ab_messages(esp):
        assert request.path == "/v3/shop.test/messages"
        form = {name: values[0] if len(values) == 1 else values for name, values in request.form().items()}
        assert form["o:tag"] == all_tags(message), "all three: Mailgun's limit is 3"
        assert {k[2:]: v for k, v in form.items() if k.startswith("v:")} == drip_metadata(message)
        # anymail title-cases Mailgun's h: header names
        assert_drip_headers({k[2:]: v for k, v in form.items() if k.startswith("h:")}, message, "Message-Id")
        assert (form["from"], form["to"], form["subject"]) == (
            "Test Shop <hello@shop.test>", message.to_email, f"Hi {message.to_email}")
        assert_drip_body(form["text"], form["html"])


@MAILGUN
def test_point0_mailgun_fake_refuses_a_fourth_tag_as_mailgun_does(db, clock, esp):
    # The fake enforces Mailgun's limit (anymail does not check it): a
    # regression adding a tag is seen as Mailgun's 400, for that message.
    with host_adds_a_tag():
        (message,) = send_drip(variant_b=True)

    assert message.status == "failed" and "Too many tags" in message.error
    assert esp.requests == [] and len(esp.refused) == 1


# --- Brevo ----------------------------------------------------------------

@BREVO
def test_point0_brevo_receives_tags_metadata_and_list_unsubscribe(db, clock, esp):
    for message, request in sent_ab_messages(esp):
        data = request.json()
        assert data["tags"] == all_tags(message)
        headers = data["headers"]
        assert json.loads(headers.pop("X-Mailin-custom")) == drip_metadata(message)
        assert_drip_headers(headers, message)
        assert (data["sender"], data["to"], data["subject"]) == (
            {"email": "hello@shop.test", "name": "Test Shop"}, [{"email": message.to_email}], f"Hi {message.to_email}")
        assert_drip_body(data["textContent"], data["htmlContent"])


@BREVO
def test_point0_brevo_sequence_with_a_non_ascii_name_sends_an_ascii_list_id(db, clock, esp, caplog):
    # Brevo would send a non-ASCII header unencoded, so anymail refuses it:
    # drip leaves the name out of List-Id (logged once) instead of failing.
    messages = send_drip("ann@example.com", "bob@example.com", name="Grüße")

    assert_sent(messages, esp)
    sequence = messages[0].enrollment.sequence
    for message in messages:
        assert esp.request_to(message.to_email).json()["headers"]["List-Id"] == (
            f"<grue.{sequence.pk}.drip.shop.test>")
    assert caplog.text.count("Brevo sends custom headers unencoded: drip writes List-Id") == 1


# --- Amazon SES -----------------------------------------------------------

@AMAZON_SES
def test_point0_amazon_ses_receives_x_tags_x_metadata_and_list_unsubscribe(db, clock, esp):
    for message, request in sent_ab_messages(esp):
        assert "EmailTags" not in request.json()
        raw = esp.raw_message(request)
        assert raw.get_all("X-Tag") == all_tags(message)
        assert json.loads(raw["X-Metadata"]) == drip_metadata(message)
        # (a long header is folded after its name: unfolded, the value starts with a space)
        assert_drip_headers({name: value.strip() for name, value in raw.items()}, message)
        assert (raw["From"], raw["To"], raw["Subject"]) == (
            "Test Shop <hello@shop.test>", message.to_email, f"Hi {message.to_email}")
        assert_drip_body(raw.get_body(("plain",)).get_content(), raw.get_body(("html",)).get_content())


@AMAZON_SES_MESSAGE_TAG
def test_point0_amazon_ses_with_a_message_tag_name_receives_one_valid_email_tag(db, clock, esp, caplog):
    # AMAZON_SES_MESSAGE_TAG_NAME: anymail also sends the tag as an SES
    # message tag, and takes one tag only; SES checks its characters.
    for message, request in sent_ab_messages(esp):
        tag = f"drip-sequence-{message.enrollment.sequence.pk}"
        assert request.json()["EmailTags"] == [{"Name": "drip", "Value": tag}]
        assert esp.raw_message(request).get_all("X-Tag") == [tag]
    assert caplog.text.count("Amazon SES takes 1 tag(s) per message") == 1


# --- limits of other backends, and of metadata ----------------------------

def test_point0_unknown_anymail_esps_get_one_tag_and_plain_django_backends_everything(settings):
    assert limits_for("anymail.backends.mailjet.EmailBackend").max_tags == 1
    assert limits_for("anymail.backends.postmark.EmailBackend").max_tags == 1
    assert limits_for("anymail.backends.mailgun.EmailBackend").max_tags == 3
    assert limits_for("django.core.mail.backends.smtp.EmailBackend") == NOT_AN_ESP
    assert fit_tags(["a", "b"], limits_for("drip_plugin.delivery.smtp.EmailBackend")) == ["a", "b"]


def test_point0_metadata_past_an_esp_limit_leaves_that_field_out_logged_once(caplog):
    postmark = limits_for("anymail.backends.postmark.EmailBackend")
    metadata = {"drip_message": "1", "drip_variant": "x" * 81, "a_name_longer_than_20": "1", "drip_step": "2"}
    assert fit_metadata(metadata, postmark) == {"drip_message": "1", "drip_step": "2"}
    assert fit_metadata(metadata, postmark) == {"drip_message": "1", "drip_step": "2"}
    assert caplog.text.count("Postmark cannot take the metadata field 'drip_variant'") == 1
    mailgun = limits_for("anymail.backends.mailgun.EmailBackend")
    big = {f"field{n}": "x" * 1000 for n in range(5)}
    assert list(fit_metadata(big, mailgun)) == ["field0", "field1", "field2", "field3"], "4 KB in all"
