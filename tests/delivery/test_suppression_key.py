"""Issue 15, point 7: suppressions and erasures outlive a SECRET_KEY rotation."""
from __future__ import annotations

import datetime as dt

from django.core import mail

from drip_plugin import track
from drip_plugin.checks import check_suppression_hash_key
from drip_plugin.consent.suppression import is_erased, is_suppressed
from drip_plugin.consent.gdpr import erase_contact
from drip_plugin.models import Contact
from drip_plugin.scheduling import tick
from tests.delivery.test_compliance import first_email


def rotate_secret_key(settings) -> None:
    """Rotate as Django documents it: the old key in the fallbacks first, then gone."""
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation"
    settings.SECRET_KEY_FALLBACKS = []


def erased_address_stays_unmailable(clock) -> None:
    assert is_suppressed("gone@example.com") and is_erased("GONE@example.com")
    track("signed_up", email="gone@example.com")  # the address comes back, e.g. from a shop import
    assert not Contact.objects.get().is_subscribed
    clock.shift(dt.timedelta(days=2))
    tick()
    assert len(mail.outbox) == 1, "nothing more went to the erased address"


def test_point7_an_erased_address_stays_suppressed_after_secret_key_rotation(db, clock, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SUPPRESSION_HASH_KEY": "the-suppression-hash-key"}
    first_email("gone@example.com")
    erase_contact(Contact.objects.get())
    rotate_secret_key(settings)
    erased_address_stays_unmailable(clock)


def test_point7_an_install_from_before_the_setting_keeps_its_hashes_by_setting_it_to_its_secret_key(
        db, clock, settings):
    assert check_suppression_hash_key()[0].id == "drip_plugin.W060"  # unset: hashed with SECRET_KEY, as before
    first_email("gone@example.com")
    erase_contact(Contact.objects.get())
    # The documented upgrade: SUPPRESSION_HASH_KEY = the SECRET_KEY the hashes were made with.
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SUPPRESSION_HASH_KEY": settings.SECRET_KEY}
    assert check_suppression_hash_key() == []
    rotate_secret_key(settings)
    erased_address_stays_unmailable(clock)


def test_point7_the_check_refuses_an_empty_or_non_text_key_without_showing_it(settings):
    for key in ("", "  ", b"bytes-secret", 42):
        settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SUPPRESSION_HASH_KEY": key}
        (problem,) = check_suppression_hash_key()
        assert problem.id == "drip_plugin.E060" and "bytes-secret" not in problem.msg + problem.hint
