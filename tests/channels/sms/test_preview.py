"""Issue 25, the SMS preview: the text as the sample contact (or a real
contact, with their own cart) gets it, with the count of the merged text."""
from __future__ import annotations

import pytest
from django.test import override_settings

from drip_plugin.channels.sms.preview import SAMPLE_MODE, sms_preview_context, sms_preview_modes
from drip_plugin.models import Contact
from drip_plugin.rendering.preview import CONTACT_MODE

pytestmark = pytest.mark.django_db

BODY = "Hi {{ contact.first_name }}, your cart ({{ cart.total }} {{ cart.currency }}) is waiting: {{ cart.restore_url }}"


def test_point_sms_preview_merges_the_sample_contact_and_counts_the_result():
    preview = sms_preview_context(BODY, SAMPLE_MODE)
    assert preview["text"].startswith("Hi Ada, your cart (86.00 EUR) is waiting: http")
    length = len(preview["text"])
    assert preview["status"] == f"Characters: {length} · GSM-7 · Segments: 1 ({160 - length} left in the last one)"
    assert preview["over_cap"] == ""


def test_point_sms_preview_as_a_real_contact():
    contact = Contact.objects.create(email="zoe@example.com", first_name="Zoë", phone="+33612345678")
    assert (f"{CONTACT_MODE}{contact.pk}", "As +33612345678") in sms_preview_modes()
    preview = sms_preview_context("Hi {{ contact.first_name }}", f"{CONTACT_MODE}{contact.pk}")
    # Her name turns the SMS into UCS-2: the count in the editor (as written) could not know.
    assert preview["text"] == "Hi Zoë" and "UCS-2" in preview["status"]


@override_settings(DRIP_PLUGIN={"SMS_MAX_SEGMENTS": 1})
def test_point_sms_preview_says_when_the_merged_text_is_over_the_cap():
    preview = sms_preview_context("{{ contact.first_name }} " + "x" * 160, SAMPLE_MODE)
    assert preview["over_cap"] == "This SMS takes 2 segments, over the cap of 1 per message: shorten it."


def test_point_sms_preview_reports_a_template_problem():
    assert sms_preview_context("Hi {% if %}", SAMPLE_MODE) == {
        "problem": "template: Unexpected end of expression in if tag."}
