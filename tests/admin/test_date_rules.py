"""Editors configure date rules in the Wagtail admin; saving one schedules existing contacts."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse

from drip_plugin.models import Contact, ContactDate, DateRule

ADD_URL = "wagtailsnippets_drip_plugin_daterule:add"


def form(**overrides):
    data = {"name": "Renewal", "event_name": "renewal_reminder", "source": "renewal_date", "days": "7, 1",
            "direction": "before", "active": "on"}
    return {**data, **overrides}


def test_editor_adds_a_date_rule_in_the_wagtail_admin_and_contacts_are_scheduled(editor, clock):
    Contact.objects.create(email="a@example.com", attributes={"renewal_date": "2026-03-20"})

    response = editor.post(reverse(ADD_URL), form(days="soon"))
    assert response.status_code == 200
    assert "whole numbers of days" in response.content.decode()
    assert not DateRule.objects.exists()

    response = editor.post(reverse(ADD_URL), form())
    assert response.status_code == 302
    rule = DateRule.objects.get()
    assert rule.offsets == [-7, -1]
    assert ContactDate.objects.get(rule=rule).due_at == dt.datetime(2026, 3, 13, 9, 0, tzinfo=dt.UTC)
