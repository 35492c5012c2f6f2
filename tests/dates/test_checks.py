"""Misconfigured date settings are reported by system checks with a hint."""
from __future__ import annotations

from drip_plugin.checks import check_date_settings


def test_checks_date_settings_pass_by_default():
    assert check_date_settings() == []


def test_checks_bad_date_events_time_winback_days_and_reminder_days(settings):
    settings.DRIP_PLUGIN = {"DATE_EVENTS_TIME": "9am", "WINBACK_DAYS": 0, "RENEWAL_REMINDER_DAYS": [14, "3"]}
    problems = check_date_settings()
    assert sorted(p.id for p in problems) == ["drip_plugin.E040", "drip_plugin.E041", "drip_plugin.E042"]
    assert all(p.hint for p in problems)


def test_checks_winback_off_and_no_reminders_are_valid(settings):
    settings.DRIP_PLUGIN = {"WINBACK_DAYS": None, "RENEWAL_REMINDER_DAYS": []}
    assert check_date_settings() == []
