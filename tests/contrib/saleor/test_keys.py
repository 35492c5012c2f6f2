"""Issue 15 point 9: Saleor's signing keys are refreshed on a schedule (a key
withdrawn from its JWKS is refused within SALEOR_JWKS_MAX_AGE), and never
fetched more than once a minute, however many requests arrive together."""
from __future__ import annotations

import datetime as dt
import json
import queue
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from drip_plugin.contrib.saleor import views
from drip_plugin.contrib.saleor.models import SaleorInstallation, SaleorWebhookDelivery
from drip_plugin.contrib.saleor.signatures import verify

from .fake_saleor import checkout_payload

SECOND = dt.timedelta(seconds=1)


def signed_bodies(saleor, count: int, tag: str) -> list[tuple[bytes, str]]:
    """`count` distinct webhook bodies, each with its signature by Saleor's current key."""
    bodies = [json.dumps(checkout_payload(f"Q2hlY2tvdXQ6{tag}{i}", f"{tag}{i}@example.com")).encode()
              for i in range(count)]
    return [(body, saleor.sign(body)) for body in bodies]


def deliver(saleor, client, body_and_signature) -> int:
    body, signature = body_and_signature
    return saleor.deliver(client, "CHECKOUT_UPDATED", body, signature=signature).status_code


@pytest.mark.parametrize("max_age", [None, 120])
def test_point9_withdrawn_saleor_key_is_refused_once_the_cached_jwks_is_older_than_the_max_age(
        clock, settings, installed_saleor, client, caplog, max_age):
    if max_age:
        settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SALEOR_JWKS_MAX_AGE": max_age}
    max_age = dt.timedelta(seconds=max_age or 300)  # the default: 5 minutes
    installed_at = timezone.now()  # registration fetched the JWKS: key A
    with_a = signed_bodies(installed_saleor, 2, "A")
    installed_saleor.rotate_key()  # Saleor withdraws A: its JWKS now has only B
    fetches = installed_saleor.jwks_fetches

    # The trade-off: until the cached keys are max_age old, A is still trusted.
    clock.move_to(installed_at + max_age - SECOND)
    assert deliver(installed_saleor, client, with_a[0]) == 200
    assert installed_saleor.jwks_fetches == fetches

    clock.move_to(installed_at + max_age)
    caplog.clear()
    assert deliver(installed_saleor, client, with_a[1]) == 401
    assert "refused (401): unknown key id" in caplog.text
    assert installed_saleor.jwks_fetches == fetches + 1
    assert [key["kid"] for key in SaleorInstallation.objects.get().jwks["keys"]] == [installed_saleor.kid]
    assert SaleorWebhookDelivery.objects.count() == 1

    assert deliver(installed_saleor, client, signed_bodies(installed_saleor, 1, "B")[0]) == 200
    assert installed_saleor.jwks_fetches == fetches + 1, "fresh keys: no fetch"


def test_point9_saleor_jwks_that_cannot_be_refreshed_fails_closed_and_is_retried_once_a_minute(
        clock, installed_saleor, client, caplog):
    webhooks = signed_bodies(installed_saleor, 4, "C")
    clock.shift(dt.timedelta(minutes=5))  # the cached keys are now too old
    installed_saleor.jwks_down = True
    fetches = installed_saleor.jwks_fetches

    assert deliver(installed_saleor, client, webhooks[0]) == 503, "Saleor retries a 5xx"
    assert "refused (503): Saleor's keys could not be fetched" in caplog.text
    clock.shift(59 * SECOND)
    assert deliver(installed_saleor, client, webhooks[1]) == 503
    assert installed_saleor.jwks_fetches == fetches + 1, "no second fetch within the minute"

    installed_saleor.jwks_down = False
    clock.shift(SECOND)
    assert [deliver(installed_saleor, client, webhook) for webhook in webhooks] == [200] * 4
    assert installed_saleor.jwks_fetches == fetches + 2
    assert SaleorWebhookDelivery.objects.count() == 4


def deliver_together(saleor, webhooks, monkeypatch) -> list[int]:
    """Post `webhooks` from one thread each, all having read the installation
    before any checks its keys, while Saleor holds any JWKS fetch; the fetch is
    let through once all requests but one answered (so with a second fetch
    the test would never get there)."""
    loaded = threading.Barrier(len(webhooks))

    def verify_once_all_loaded(installation, body, signature):
        loaded.wait()
        return verify(installation, body, signature)

    monkeypatch.setattr(views, "verify", verify_once_all_loaded)
    saleor.jwks_gate.clear()
    answers: queue.Queue[int] = queue.Queue()

    def post(webhook):
        try:
            answers.put(deliver(saleor, Client(), webhook))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(webhook,)) for webhook in webhooks]
    for thread in threads:
        thread.start()
    try:
        answered = [answers.get(timeout=60) for _ in webhooks[1:]]
    finally:
        saleor.jwks_gate.set()
        for thread in threads:
            thread.join(timeout=60)
    return sorted(answered + [answers.get(timeout=60)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["keys past the max age", "a new kid after a rotation"])
def test_point9_saleor_jwks_fetched_once_for_concurrent_webhooks(clock, fake_saleor, monkeypatch, case):
    assert fake_saleor.register(Client()).status_code == 200
    clock.shift(dt.timedelta(minutes=5) if case == "keys past the max age" else dt.timedelta(minutes=2))
    if case == "a new kid after a rotation":
        fake_saleor.rotate_key()
    fetches = fake_saleor.jwks_fetches

    answers = deliver_together(fake_saleor, signed_bodies(fake_saleor, 8, "D"), monkeypatch)

    assert fake_saleor.jwks_fetches == fetches + 1
    # The request that fetched passes; the others used the keys stored so far
    # (200) or, for a kid not among them yet, got a retryable 503.
    assert 200 in answers and set(answers) <= {200, 503}
    assert SaleorWebhookDelivery.objects.count() == answers.count(200)
    assert fake_saleor.kid in [key["kid"] for key in SaleorInstallation.objects.get().jwks["keys"]]
