from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Sequence as Seq

import pytest
import time_machine
from django.db import connection

from drip_plugin.models import Email, Sequence, Step

WELCOME_MJML = """<mjml>
  <mj-head><mj-preview>Welcome aboard</mj-preview></mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Hello {{ contact.first_name }}, welcome to the shop!</mj-text>
      <mj-button href="https://shop.test/start">Start shopping</mj-button>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""


def build_sequence(
    name: str = "Welcome",
    trigger: str = "signed_up",
    steps: Seq[tuple[int, str, str]] = ((0, "days", "Welcome, {{ contact.first_name }}"), (2, "days", "Day two")),
    *,
    mjml: str = WELCOME_MJML,
    live: bool = True,
) -> Sequence:
    """A sequence with steps given as (delay amount, unit, subject); each step
    gets its own published Email with that subject and `mjml`."""
    sequence = Sequence.objects.create(name=name, trigger_event=trigger, live=live)
    for order, (amount, unit, subject) in enumerate(steps):
        email = Email.objects.create(name=f"{name} #{order + 1}", subject=subject, mjml=mjml, live=True)
        Step.objects.create(sequence=sequence, sort_order=order, delay_amount=amount, delay_unit=unit, email=email)
    return sequence


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run in the PostgreSQL pass of `dev.py test` only."""
    if os.environ.get("DRIP_TEST_DB") == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass (DRIP_TEST_DB=postgres)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def default_locale(request):
    """Wagtail's migration creates the default Locale that new emails get, but
    the flush after each transactional test deletes it: put it back."""
    names = set(request.fixturenames)
    if "live_server" in names or "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif request.node.get_closest_marker("django_db") is None:
        return
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))


@pytest.fixture
def make_sequence(db):
    return build_sequence


@pytest.fixture
def clock():
    """A frozen clock at a known instant; `clock.shift(timedelta)` moves it."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def run_concurrently(function, times: int = 2) -> list:
    """Call `function` from `times` threads released at the same instant; return
    their results. Fails the test if any thread raised."""
    start = threading.Barrier(times)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(function())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results
