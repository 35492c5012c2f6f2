"""The public API's `enroll()`: manual enrollment into published sequences only."""
from __future__ import annotations

import pytest

from drip_plugin import DripError, enroll
from drip_plugin.models import Contact, Enrollment

from tests.factories import build_sequence


def test_enroll_starts_a_contact_on_a_published_sequence(db):
    contact = Contact.objects.create(email="ada@example.com")
    enrollment = enroll(contact, build_sequence())
    assert enrollment is not None and list(Enrollment.objects.all()) == [enrollment]


def test_enroll_into_a_draft_sequence_is_refused_with_a_clear_error(db):
    contact = Contact.objects.create(email="ada@example.com")
    with pytest.raises(DripError, match="'Birthday' is not published"):
        enroll(contact, build_sequence(name="Birthday", live=False))
    assert not Enrollment.objects.exists()
