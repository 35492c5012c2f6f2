"""Issue 17, "Trigger and exit event names checked like track() checks them":
a malformed name is refused with track()'s message; a well-formed name the
catalogue does not know gets a warning with when it was last received."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

import drip_plugin
from drip_plugin.models import Email, Sequence

from ..rendering.test_validation import GOOD

MESSAGE = "event name 'Not An Event!!' must be snake_case letters, digits and _"


def sequence_form(email: Email, **fields) -> dict:
    return nested_form_data({
        "name": "Welcome", "description": "", "trigger_event": "signed_up", "trigger_filters": streamfield([]),
        "journey_per": "", "reentry": "always", "reentry_days": "", "debounce_minutes": "0",
        "exit_events": "", "flow_filters": streamfield([]), "send_windows": streamfield([]), "cap_count": "",
        "cap_days": "", "cap_action": "defer", "goal_event": "", "holdout_percent": "0",
        "steps": inline_formset([{
            "kind": "email", "label": "", "timing": "delay", "delay_amount": "0", "delay_unit": "days",
            "weekday": "", "at_time": "", "date_field": "", "offset_days": "0", "best_time_within_hours": "24",
            "email": str(email.pk),
            "variants": inline_formset([]), "control_weight": "50", "experiment_metric": "click",
            "experiment_horizon": "1000", "experiment_confidence": "95", "experiment_state": "running", "condition": streamfield([]), "if_false_goto": "",
            "attribute_name": "", "attribute_value": "",
        }], min=1),
        **fields,
    })


@pytest.fixture
def editor(db, client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@shop.test", "pw"))
    return client


def test_track_refuses_the_malformed_name_with_the_message_editors_see(db):
    with pytest.raises(drip_plugin.InvalidEvent, match="^" + MESSAGE.replace("!", r"\!") + "$"):
        drip_plugin.track("Not An Event!!", email="a@shop.test")


def test_malformed_trigger_and_exit_names_are_refused_in_the_admin_with_tracks_message(editor):
    email = Email.objects.create(name="Hi", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:add"),
                           sequence_form(email, trigger_event="Not An Event!!", exit_events="order_completed, Bad-Name"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["trigger_event"] == [MESSAGE]
    assert errors["exit_events"] == ["event name 'Bad-Name' must be snake_case letters, digits and _"]
    assert not Sequence.objects.exists()


def test_well_formed_names_save(editor):
    email = Email.objects.create(name="Hi", subject="Hi", mjml=GOOD, live=True)
    response = editor.post(reverse("wagtailsnippets_drip_plugin_sequence:add"),
                           sequence_form(email, exit_events="order_completed"))
    assert response.status_code == 302
    assert Sequence.objects.get().trigger_event == "signed_up"


def test_unknown_but_well_formed_names_get_a_note_with_when_last_received(db):
    drip_plugin.track("newsletter_joined", email="a@shop.test",
                      occurred_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc))
    sequence = Sequence(name="x", trigger_event="newsletter_joined", exit_events="order_completed, newsleter_left")
    assert sequence.event_name_notes() == [
        "“newsleter_left” is not in the event catalogue and has never been received: check its spelling.",
        "“newsletter_joined” is not in the event catalogue; last received 2026-12-01 09:30 UTC.",
    ]
    assert Sequence(name="y", trigger_event="order_completed").event_name_notes() == []
