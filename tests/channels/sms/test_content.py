"""Issue 25, checking an SMS body before it is saved: merge fields as in
emails, and the segment cap (SMS_MAX_SEGMENTS) on the text as written."""
from __future__ import annotations

from django.test import override_settings

from drip_plugin.channels.sms.content import sms_body_problems


def test_point_sms_body_within_the_cap_has_no_problem():
    assert sms_body_problems("Hi {{ contact.first_name }}, your cart: {{ cart.restore_url }}") == []
    assert sms_body_problems("a" * 153 * 3) == []  # the default cap: 3 segments


def test_point_sms_body_over_the_cap_is_a_problem():
    assert sms_body_problems("a" * (153 * 3 + 1)) == [
        "This SMS takes 4 segments, over the cap of 3 per message: shorten it."]
    with override_settings(DRIP_PLUGIN={"SMS_MAX_SEGMENTS": 1}):
        assert sms_body_problems("Merci 😀 " * 9) == [
            "This SMS takes 2 segments, over the cap of 1 per message: shorten it."]


def test_point_sms_body_line_breaks_count_as_stored():
    # Posted as CR LF, stored as LF: 80 line breaks are 80 septets, not 160.
    assert sms_body_problems("\r\n".join(["a"] * 81) + "a" * 239) == []


def test_point_sms_body_merge_fields_are_checked_as_in_emails():
    assert sms_body_problems("Hi {{ contact.password }}") == [
        "Line 1: “contact.password” is not in the merge context (contact has: attributes, email, first_name, "
        "full_name, last_name, locale)"]
