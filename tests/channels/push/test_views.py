"""The subscribe and unsubscribe endpoints and the service worker: valid
input stored with its proof; bad input 400/413 with a log line, never a 500;
CSRF-checked like the host's own forms."""
from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from drip_plugin.channels.push.models import PushSubscription
from drip_plugin.models import Contact

pytestmark = pytest.mark.django_db

SUBSCRIBE, UNSUBSCRIBE = "/drip/channels/push/subscribe/", "/drip/channels/push/unsubscribe/"


@pytest.fixture
def shopper(client):
    user = get_user_model().objects.create_user("ada", "ada@example.com", "pw")
    contact = Contact.objects.create(email="ada@example.com", user=user)
    client.force_login(user)
    return contact


def post(client, url, data, **extra):
    body = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post(url, body, content_type=extra.pop("content_type", "application/json"), **extra)


def test_a_logged_in_shopper_subscribes_with_the_proof_of_the_opt_in(push_service, client, shopper):
    browser = push_service.new_browser()
    response = post(client, SUBSCRIBE, {"subscription": browser.subscription_json(), "source": "/cart/",
                                        "consent_text": "Notify me in this browser about my cart"},
                    HTTP_USER_AGENT="Mozilla/5.0 Chrome/156")
    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.contact, subscription.endpoint, subscription.user_agent, subscription.consent_source,
            subscription.consent_text) == (shopper, browser.endpoint, "Mozilla/5.0 Chrome/156", "/cart/",
                                           "Notify me in this browser about my cart")
    assert subscription.created_at is not None


def test_the_same_browser_again_is_one_subscription(push_service, client, shopper):
    browser = push_service.new_browser()
    for _ in range(2):
        assert post(client, SUBSCRIBE, {"subscription": browser.subscription_json()}).status_code == 201
    assert PushSubscription.objects.count() == 1


def test_a_visitor_nobody_knows_is_refused(push_service, client, caplog):
    response = post(client, SUBSCRIBE, {"subscription": push_service.new_browser().subscription_json()})
    assert response.status_code == 403 and "no contact" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def valid(service):
    return service.new_browser().subscription_json()


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"{not json", 400, "not JSON"),
    (b"[1, 2]", 400, "JSON object"),
    ({"subscription": "x"}, 400, "must be an object"),
    ({"subscription": {"endpoint": 3, "keys": {}}}, 400, "endpoint and keys"),
    ({"subscription": {"endpoint": "http://169.254.169.254/latest", "keys": {"p256dh": "x", "auth": "y"}}}, 400,
     "not an allowed push service"),
    ({"subscription": {"endpoint": "javascript:alert(1)", "keys": {"p256dh": "x", "auth": "y"}}}, 400,
     "not an allowed push service"),
    ("bad key", 400, "P-256 public key"),
    ("short auth", 400, "16 bytes"),
    ("long consent", 400, "consent_text"),
    (b"x" * 9000, 413, "body over"),
])
def test_bad_input_is_a_400_with_a_log_line(push_service, client, shopper, caplog, body, status, says):
    if body == "bad key":
        body = {"subscription": {**valid(push_service), "keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}
    elif body == "short auth":
        body = {"subscription": {**valid(push_service), "keys": {**valid(push_service)["keys"], "auth": "AAAA"}}}
    elif body == "long consent":
        body = {"subscription": valid(push_service), "consent_text": "x" * 1001}
    with caplog.at_level(logging.WARNING, logger="drip_plugin.push"):
        response = post(client, SUBSCRIBE, body)
    assert response.status_code == status and says in response.json()["error"]
    assert any(says in record.getMessage() for record in caplog.records)
    assert not PushSubscription.objects.exists()


def test_form_posts_are_refused(push_service, client, shopper):
    response = client.post(SUBSCRIBE, {"subscription": "x"})
    assert response.status_code == 400 and "application/json" in response.json()["error"]


def test_csrf_is_checked_as_for_the_shops_own_forms(push_service, shopper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper.user)
    assert post(client, SUBSCRIBE, {"subscription": valid(push_service)}).status_code == 403
    client.get("/drip/channels/push/service-worker.js")  # any page: Django sets the CSRF cookie on pages that use it
    token = "a" * 32
    client.cookies["csrftoken"] = token
    assert post(client, SUBSCRIBE, {"subscription": valid(push_service)}, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_unsubscribe_by_endpoint(push_service, client, shopper):
    browser = push_service.new_browser()
    post(client, SUBSCRIBE, {"subscription": browser.subscription_json()})
    anonymous = Client()  # the endpoint itself is the credential
    assert post(anonymous, UNSUBSCRIBE, {"endpoint": browser.endpoint}).json() == {"removed": True}
    assert not PushSubscription.objects.exists()
    assert post(anonymous, UNSUBSCRIBE, {"endpoint": browser.endpoint}).json() == {"removed": False}
    assert post(anonymous, UNSUBSCRIBE, {"endpoint": ["x"]}).status_code == 400


def test_the_service_worker_may_control_the_whole_site(push_settings, client):
    response = client.get("/drip/channels/push/service-worker.js")
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert 'addEventListener("push"' in body and "showNotification" in body and "openWindow" in body


def test_everything_is_404_while_push_is_off(client):
    assert client.get("/drip/channels/push/service-worker.js").status_code == 404
    assert post(client, SUBSCRIBE, {}).status_code == 404
    assert post(client, UNSUBSCRIBE, {}).status_code == 404
