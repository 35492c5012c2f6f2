"""Issue 5: the Saleor App — manifest, register, JWS-verified webhooks, cart journey."""
from __future__ import annotations

import datetime as dt
import json

import jwt
import pytest
from django.core import mail

from drip_plugin.contrib.saleor.models import SaleorInstallation, SaleorWebhookDelivery
from drip_plugin.contrib.saleor.tasks import process_saleor_delivery
from drip_plugin.models import Enrollment, Event, Sequence
from drip_plugin.scheduling import tick
from tests.factories import build_sequence
from tests.ingest.test_cart import follow_to_restore_link

from .fake_saleor import FakeSaleor, checkout_payload, order_payload

CART_MJML = """<mjml><mj-body><mj-section><mj-column>
<mj-text>Hi, you left these behind:</mj-text>
{% for line in cart.lines %}<mj-text>{{ line.quantity }} × {{ line.name }} — {{ line.unit_price }} {{ cart.currency }}</mj-text>
{% endfor %}<mj-button href="{{ cart.restore_url }}">Back to your cart</mj-button>
</mj-column></mj-section></mj-body></mjml>"""


def test_manifest_declares_permissions_token_target_and_webhook_subscriptions(client):
    manifest = client.get("/saleor/manifest/").json()
    assert manifest["permissions"] == ["MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_USERS"]
    assert manifest["tokenTargetUrl"] == "http://testserver/saleor/register/"
    events = {hook["asyncEvents"][0]: hook for hook in manifest["webhooks"]}
    assert sorted(events) == ["CHECKOUT_CREATED", "CHECKOUT_UPDATED", "CUSTOMER_CREATED", "ORDER_CANCELLED",
                              "ORDER_CREATED", "ORDER_FULLY_PAID"]
    assert "... on OrderCreated { order { id number checkoutId" in events["ORDER_CREATED"]["query"]
    assert {hook["targetUrl"] for hook in manifest["webhooks"]} == {"http://testserver/saleor/webhook/"}


def test_register_accepts_only_allowed_saleor_urls_and_a_verified_token(db, client, fake_saleor, caplog):
    stranger = FakeSaleor()  # answers fine, but is not in SALEOR_ALLOWED_API_URLS
    try:
        assert stranger.register(client).status_code == 403
        assert (stranger.jwks_fetches, stranger.graphql_calls) == (0, 0), "refused before any request to it"
    finally:
        stranger.close()
    assert fake_saleor.register(client, token="stolen").status_code == 403
    assert "Invalid token" in caplog.text
    assert not SaleorInstallation.objects.exists()
    assert fake_saleor.register(client).status_code == 200
    installation = SaleorInstallation.objects.get()
    assert (installation.saleor_api_url, installation.app_id) == (fake_saleor.api_url, "QXBwOjE=")
    assert installation.jwks["keys"][0]["kid"] == fake_saleor.kid


@pytest.fixture
def cart_sequence(db) -> Sequence:
    sequence = build_sequence("Cart", "checkout_updated", steps=[(1, "hours", "You left {{ cart.lines|length }} items"),
                                                                 (24, "hours", "Still thinking?"),
                                                                 (48, "hours", "Last call")], mjml=CART_MJML)
    Sequence.objects.filter(pk=sequence.pk).update(journey_per="checkout_id", exit_events="order_completed")
    return sequence


def test_cart_abandonment_end_to_end_with_the_saleor_fake(installed_saleor, cart_sequence, clock, client):
    response = installed_saleor.deliver(client, "CHECKOUT_UPDATED", checkout_payload("Q2hlY2tvdXQ6MQ==", "eve@example.com"))
    assert response.status_code == 200
    process_saleor_delivery(response.json()["accepted"])  # what the queued task does
    clock.shift(dt.timedelta(minutes=59))
    tick()
    assert mail.outbox == []
    clock.shift(dt.timedelta(minutes=1))
    tick()
    (first,) = mail.outbox
    html = first.alternatives[0][0]
    assert first.subject == "You left 3 items" and first.to == ["eve@example.com"]
    assert [line for line in ("1 × Linen shirt — 10.0 EUR", "1 × Canvas tote — 11.0 EUR",
                              "1 × Espresso cups — 12.0 EUR") if line in html] == [
        "1 × Linen shirt — 10.0 EUR", "1 × Canvas tote — 11.0 EUR", "1 × Espresso cups — 12.0 EUR"]
    restore = follow_to_restore_link(client, html)
    assert client.get(restore)["Location"] == "https://shop.test/cart/Q2hlY2tvdXQ6MQ==/"

    clock.shift(dt.timedelta(hours=24))
    tick()
    assert [m.subject for m in mail.outbox] == ["You left 3 items", "Still thinking?"]

    order = installed_saleor.deliver(client, "ORDER_CREATED", order_payload("T3JkZXI6MQ==", "Q2hlY2tvdXQ6MQ==",
                                                                            "eve@example.com"))
    assert order.status_code == 200
    tick()  # the tick's sweep picks up the delivery whose task never ran
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "exit event order_completed")
    clock.shift(dt.timedelta(days=7))
    tick()
    assert len(mail.outbox) == 2, "no third email after the order"


def test_same_webhook_delivered_ten_times_and_out_of_order_is_one_event_per_body_and_the_newest_cart_wins(
        installed_saleor, cart_sequence, clock, client):
    older = checkout_payload("Q2hlY2tvdXQ6Mg==", "olli@example.com", lines=1, issued_at="2026-03-02T08:00:00+00:00")
    newer = checkout_payload("Q2hlY2tvdXQ6Mg==", "olli@example.com", lines=2, issued_at="2026-03-02T08:30:00+00:00")
    answers = [installed_saleor.deliver(client, "CHECKOUT_UPDATED", newer)]
    for _ in range(10):
        answers.append(installed_saleor.deliver(client, "CHECKOUT_UPDATED", older))
    answers.append(installed_saleor.deliver(client, "CHECKOUT_UPDATED", newer))
    assert {a.status_code for a in answers} == {200}
    assert [a.json()["duplicate"] for a in answers].count(False) == 2
    tick()
    assert Event.objects.filter(name="checkout_updated").count() == 2
    assert Enrollment.objects.count() == 1
    # The older update arrived after the newer one: the journey keeps the newest cart and timing.
    enrollment = Enrollment.objects.select_related("trigger_event").get()
    assert len(enrollment.trigger_event.properties["cart"]["lines"]) == 2
    assert enrollment.due_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_order_arriving_before_its_checkout_update_starts_no_cart_journey(installed_saleor, cart_sequence, clock,
                                                                          client):
    installed_saleor.deliver(client, "ORDER_CREATED", order_payload("T3JkZXI6Mw==", "Q2hlY2tvdXQ6Mw==",
                                                                   "una@example.com", issued_at="2026-03-02T09:00:00+00:00"))
    installed_saleor.deliver(client, "CHECKOUT_UPDATED", checkout_payload("Q2hlY2tvdXQ6Mw==", "una@example.com",
                                                                          issued_at="2026-03-02T08:59:00+00:00"))
    tick()
    assert Event.objects.count() == 2 and not Enrollment.objects.exists()


def bad_requests(saleor, client):
    payload = checkout_payload("Q2hlY2tvdXQ6OQ==", "mal@example.com")
    body = json.dumps(payload).encode()
    forged_body = body.replace(b"mal@example.com", b"eve@attacker.test")
    return {
        "forged signature": (401, lambda: saleor.deliver(client, "CHECKOUT_UPDATED", forged_body,
                                                         signature=saleor.sign(body))),
        "missing signature": (401, lambda: saleor.deliver(client, "CHECKOUT_UPDATED", body, signature="")),
        "unknown Saleor URL": (403, lambda: client.generic(
            "POST", "/saleor/webhook/", data=body, content_type="application/json",
            headers={"Saleor-Api-Url": "https://other.saleor.test/graphql/", "Saleor-Event": "checkout_updated",
                     "Saleor-Signature": saleor.sign(body)})),
        "unknown kid after refetch": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", body, signature=saleor.sign(body).replace(
                saleor.sign(body).split(".")[0], _header_with_kid("nope")))),
        "ordinary JWT signed with Saleor's key": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", forged_body, signature=saleor.sign_token({"sub": "customer"}))),
        "unknown critical header parameter": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", body, signature=saleor.sign(body).replace(
                saleor.sign(body).split(".")[0], _header_with_kid(saleor.kid, crit=["b64", "exp"])))),
        "crit entries that are not strings": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", body, signature=saleor.sign(body).replace(
                saleor.sign(body).split(".")[0], _header_with_kid(saleor.kid, crit=[["b64"]])))),
        "header nested thousands deep": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", body, signature=_b64(b"[" * 5000) + ".." + saleor.sign(body).split(".")[2])),
        "kid that is not a string": (401, lambda: saleor.deliver(
            client, "CHECKOUT_UPDATED", body, signature=saleor.sign(body).replace(
                saleor.sign(body).split(".")[0], _header_with_kid(1)))),
        "Saleor-Event not matching the signed payload": (400, lambda: saleor.deliver(
            client, "ORDER_CANCELLED", body)),
        "malformed JSON": (400, lambda: saleor.deliver(client, "CHECKOUT_UPDATED", b'{"checkout": ')),
        "2 MB body": (413, lambda: saleor.deliver(client, "CHECKOUT_UPDATED", b"{" + b" " * (2 * 1024 * 1024) + b"}")),
    }


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _header_with_kid(kid, crit=("b64",)) -> str:
    import base64

    header = {"alg": "RS256", "b64": False, "crit": list(crit), "kid": kid, "typ": "JWT"}
    return base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("case", ["forged signature", "missing signature", "unknown Saleor URL",
                                  "unknown kid after refetch", "ordinary JWT signed with Saleor's key",
                                  "unknown critical header parameter", "crit entries that are not strings",
                                  "header nested thousands deep",
                                  "kid that is not a string", "Saleor-Event not matching the signed payload",
                                  "malformed JSON", "2 MB body"])
def test_bad_webhooks_are_refused_with_a_log_line_and_nothing_stored(clock, installed_saleor, client, caplog, case):
    clock.shift(dt.timedelta(minutes=2))  # past the refetch cooldown, not SALEOR_JWKS_MAX_AGE: only an unknown kid refetches
    fetches = installed_saleor.jwks_fetches
    status, send = bad_requests(installed_saleor, client)[case]
    caplog.clear()
    response = send()
    assert response.status_code == status
    assert "error" in response.json()
    assert f"refused ({status})" in caplog.text
    assert installed_saleor.jwks_fetches == fetches + (case == "unknown kid after refetch")
    tick()
    assert not SaleorWebhookDelivery.objects.exists() and not Event.objects.exists()


def test_key_rotation_first_webhook_with_the_new_kid_refetches_the_jwks_once_and_passes(clock, installed_saleor,
                                                                                       client):
    clock.shift(dt.timedelta(minutes=5))  # the install fetched the keys; rotations come later
    fetches = installed_saleor.jwks_fetches
    installed_saleor.rotate_key()
    first = installed_saleor.deliver(client, "CHECKOUT_UPDATED", checkout_payload("Q2hlY2tvdXQ6NA==", "rot@example.com"))
    second = installed_saleor.deliver(client, "CHECKOUT_UPDATED",
                                      checkout_payload("Q2hlY2tvdXQ6NA==", "rot@example.com", lines=1))
    assert (first.status_code, second.status_code) == (200, 200)
    assert installed_saleor.jwks_fetches == fetches + 1
    assert SaleorInstallation.objects.get().jwks["keys"][0]["kid"] == installed_saleor.kid


def test_unknown_kids_do_not_make_us_hammer_saleors_jwks(clock, installed_saleor, client, caplog):
    clock.shift(dt.timedelta(minutes=5))
    fetches = installed_saleor.jwks_fetches
    body = json.dumps(checkout_payload("Q2hlY2tvdXQ6NQ==", "kid@example.com")).encode()
    forged = installed_saleor.sign(body).replace(installed_saleor.sign(body).split(".")[0], _header_with_kid("junk"))
    answers = [installed_saleor.deliver(client, "CHECKOUT_UPDATED", body, signature=forged).status_code
               for _ in range(20)]
    # 503 during the cooldown: a genuine rotation racing a forger is retried by Saleor, not lost.
    assert answers == [401] + [503] * 19
    assert installed_saleor.jwks_fetches == fetches + 1, "one refetch, then a cooldown"
    assert "fetched less than a minute ago" in caplog.text


def test_authentic_payload_with_an_impossible_date_is_kept_with_its_reason_not_retried(installed_saleor, client,
                                                                                       caplog):
    payload = checkout_payload("Q2hlY2tvdXQ6Ng==", "date@example.com", issued_at="2026-13-45T00:00:00+00:00")
    assert installed_saleor.deliver(client, "CHECKOUT_UPDATED", payload).status_code == 200
    tick()
    delivery = SaleorWebhookDelivery.objects.get()
    assert delivery.processed_at is not None and delivery.attempts == 1
    assert "payload lacks what drip needs" in delivery.error and "not used" in caplog.text
    assert not Event.objects.exists()


def test_webhook_signed_by_newer_pyjwt_with_crit_is_accepted_too(installed_saleor, client):
    # Saleor's own PyJWT writes no "crit" (the fake's sign()); a newer one writes "crit": ["b64"].
    body = json.dumps(checkout_payload("Q2hlY2tvdXQ6Nw==", "crit@example.com")).encode()
    assert "crit" not in jwt.get_unverified_header(installed_saleor.sign(body))
    response = installed_saleor.deliver(client, "CHECKOUT_UPDATED", body, signature=installed_saleor.sign_with_crit(body))
    assert response.status_code == 200 and SaleorWebhookDelivery.objects.count() == 1


def test_webhook_without_a_saleor_event_header_is_known_by_its_signed_typename(installed_saleor, client):
    body = json.dumps(checkout_payload("Q2hlY2tvdXQ6OA==", "hdr@example.com")).encode()
    response = installed_saleor.deliver(client, "", body)  # no Saleor-Event header value
    assert response.status_code == 200 and "accepted" in response.json()
    assert SaleorWebhookDelivery.objects.get().event_type == "CHECKOUT_UPDATED"
    odd = json.dumps({**checkout_payload("Q2hlY2tvdXQ6OQ==", "hdr@example.com"), "__typename": ["x"]}).encode()
    assert installed_saleor.deliver(client, "", odd).json() == {"ignored": ""}


def test_a_stored_key_that_is_not_rsa_counts_as_unknown_not_a_500(clock, installed_saleor, client):
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()))
    SaleorInstallation.objects.update(jwks={"keys": [{**ec_jwk, "kid": installed_saleor.kid}]})
    body = json.dumps(checkout_payload("Q2hlY2tvdXQ6MTA=", "ec@example.com")).encode()
    assert installed_saleor.deliver(client, "CHECKOUT_UPDATED", body).status_code == 503, "keys just fetched"
    clock.shift(dt.timedelta(minutes=5))
    assert installed_saleor.deliver(client, "CHECKOUT_UPDATED", body).status_code == 200, "refetched: Saleor's RSA key"
