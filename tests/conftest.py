from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from tests.factories import build_sequence, logged_in_editor

# No test is timed: hypothesis's per-example deadline fails on a busy machine.
hypothesis_settings.register_profile("drip", deadline=None)
hypothesis_settings.load_profile("drip")


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
def editor(db, client):
    """The test client, logged in as a superuser named "editor"."""
    return logged_in_editor(client)


@pytest.fixture
def clock():
    """A frozen clock at a known instant; `clock.shift(timedelta)` moves it."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def celery_memory_app(monkeypatch):
    """A Celery app on the in-memory broker, current in every thread (the
    live server's too): queued tasks wait, as for a busy worker, until the
    test runs their function; `celery_memory_app.conf.task_always_eager =
    True` runs them where they are queued instead."""
    import celery._state
    from celery import Celery

    app = Celery("drip_tests", broker="memory://", set_as_current=False)
    app.conf.task_publish_retry = False
    monkeypatch.setattr(celery._state, "default_app", app)
    monkeypatch.setattr(celery._state._tls, "current_app", app)
    yield app
    app.close()
