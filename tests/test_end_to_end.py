"""Issue 3 acceptance: signup → event → enrollment → tick → exactly one email."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import mail

from drip_plugin.models import Enrollment, Event, Message
from drip_plugin.scheduling import tick


def test_signup_to_inbox_once_then_step_two_after_two_days(make_sequence, clock, django_capture_on_commit_callbacks):
    make_sequence()
    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.create_user("ada", email="Ada@Example.com", first_name="Ada", password="x")

    event = Event.objects.get()
    assert (event.name, event.contact.email) == ("signed_up", "ada@example.com")
    enrollment = Enrollment.objects.get()
    assert enrollment.contact == event.contact

    first = tick()
    assert first.sent == 1
    assert len(mail.outbox) == 1
    welcome = mail.outbox[0]
    assert welcome.to == ["ada@example.com"]
    assert welcome.subject == "Welcome, Ada"
    html = welcome.alternatives[0][0]
    assert "Hello Ada, welcome to the shop!" in html
    assert "Hello Ada, welcome to the shop!" in welcome.body
    assert "Start shopping (https://shop.test/start)" in welcome.body
    assert welcome.anymail_status.status == {"sent"}

    assert tick().sent == 0, "a second tick must send nothing"
    assert len(mail.outbox) == 1

    clock.shift(dt.timedelta(days=2) - dt.timedelta(seconds=1))
    assert tick().sent == 0, "step 2 must wait the full two days"
    clock.shift(dt.timedelta(seconds=1))
    assert tick().sent == 1
    assert [m.subject for m in mail.outbox] == ["Welcome, Ada", "Day two"]
    assert Message.objects.filter(status="sent").count() == 2
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.due_at) == ("completed", None)


def test_draft_sequence_enrolls_nobody(make_sequence, clock):
    from drip_plugin import track

    make_sequence(live=False)
    track("signed_up", email="bob@example.com")
    assert not Enrollment.objects.exists()


def test_template_error_fails_one_message_not_the_batch(make_sequence, clock):
    from drip_plugin import track

    broken = make_sequence(name="Broken", steps=[(0, "days", "Hi {% if %}")])
    make_sequence(name="Fine", steps=[(0, "days", "Fine")])
    track("signed_up", email="carol@example.com")
    result = tick()
    assert (result.sent, result.failed) == (1, 1)
    failed = Message.objects.get(enrollment__sequence=broken)
    assert failed.status == "failed"
    assert "template" in failed.error
    assert [m.subject for m in mail.outbox] == ["Fine"]


def test_signup_never_breaks_when_tracking_it_fails(db, monkeypatch, caplog, django_capture_on_commit_callbacks):
    import drip_plugin

    def database_trouble(*args, **kwargs):
        raise RuntimeError("drip's tables are locked")

    monkeypatch.setattr(drip_plugin, "track", database_trouble)
    with django_capture_on_commit_callbacks(execute=True):
        user = get_user_model().objects.create_user("bea", email="bea@example.com", password="x")  # must not raise
    assert user.pk and not Event.objects.exists()
    assert f"signup of user {user.pk} not tracked" in caplog.text
