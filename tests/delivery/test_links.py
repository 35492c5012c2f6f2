from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from hypothesis import given, strategies as st

from drip_plugin.links.signed import CLICK_SALT, UNSUBSCRIBE_SALT, TokenSigner

PAYLOADS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(payload=PAYLOADS, salt=st.sampled_from([CLICK_SALT, UNSUBSCRIBE_SALT, "é", "x" * 200]))
def test_token_signer_writes_the_tokens_signing_dumps_writes(payload, salt):
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False):  # one timestamp for both
        token, expected = TokenSigner(salt).dumps(payload), signing.dumps(payload, salt=salt)
    assert token == expected
    assert signing.loads(token, salt=salt) == payload


def test_token_signer_tokens_stay_valid_after_the_secret_key_rotates(settings):
    token = TokenSigner(CLICK_SALT).dumps({"m": 1, "u": "https://shop.example/"})
    settings.SECRET_KEY_FALLBACKS, settings.SECRET_KEY = [settings.SECRET_KEY], "a-new-secret-key-" + "x" * 40
    assert signing.loads(token, salt=CLICK_SALT) == {"m": 1, "u": "https://shop.example/"}
    assert TokenSigner(CLICK_SALT).unsign_object(token) == {"m": 1, "u": "https://shop.example/"}
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt=UNSUBSCRIBE_SALT)
