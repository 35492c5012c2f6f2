"""Issue 15, point 5: hostile requests to the pages reached from emails get no
5xx and no traceback, store nothing, and say in a log line why they were refused."""
from __future__ import annotations

import functools
import re
from urllib.parse import urlencode

import pytest
from django.core import mail, signing
from hypothesis import given, strategies as st

from drip_plugin import track
from drip_plugin.links.routes import CART_SALT
from drip_plugin.links.signed import CLICK_SALT, OPEN_SALT, VIEW_SALT, TokenSigner
from drip_plugin.models import Message
from drip_plugin.scheduling import tick
from tests.factories import build_sequence
from tests.fuzzing import (BODIES, CONTENT_TYPES, FUZZ, LATIN1, QUERY_STRINGS, HostileRequest, headers,
                           hostile_client, hostile_requests, near_valid, send_and_check, token_paths)

CSRF_SECRET = "k" * 32  # a well-formed CSRF cookie, so some POSTs pass the CSRF check
PREFERENCE_ACTIONS = {"unsubscribe_all", "resubscribe", "save"}


@pytest.fixture
def sent(db, clock):
    """One email sent to a contact; its valid links, by route."""
    build_sequence(steps=[(0, "days", "One")])
    track("signed_up", email="fuzz@example.com")
    tick()
    message = Message.objects.get()
    (email,) = mail.outbox
    unsubscribe = re.search(r"<http://testserver/drip/unsubscribe/([^/>]+)/>",
                            email.extra_headers["List-Unsubscribe"]).group(1)
    return {
        "message": message,
        "unsubscribe": unsubscribe,
        "open": TokenSigner(OPEN_SALT).dumps(message.pk),
        "click": TokenSigner(CLICK_SALT).dumps({"m": message.pk, "u": "https://shop.test/start"}),
        "view": TokenSigner(VIEW_SALT).dumps(str(message.token)),
        "cart": signing.dumps("chk-1", salt=CART_SALT),
    }


@pytest.fixture
def client():
    return hostile_client()


def _fuzz(route: str, prefix: str):
    @FUZZ
    @given(data=st.data())
    def fuzz(sent, client, caplog, data):
        send_and_check(client, data.draw(hostile_requests(prefix, sent[route]), label="request"), caplog)
    return fuzz


test_point5_fuzz_unsubscribe_no_5xx = _fuzz("unsubscribe", "/drip/unsubscribe/")
test_point5_fuzz_open_pixel_no_5xx = _fuzz("open", "/drip/o/")
test_point5_fuzz_click_redirect_no_5xx = _fuzz("click", "/drip/c/")
test_point5_fuzz_web_version_no_5xx = _fuzz("view", "/drip/view/")
test_point5_fuzz_cart_restore_no_5xx = _fuzz("cart", "/drip/cart/")


@functools.cache
def preference_centre_gets(path: str) -> st.SearchStrategy[HostileRequest]:
    return st.builds(HostileRequest, method=st.just("GET"), path=st.just(path), query=QUERY_STRINGS,
                     headers=headers(), body=st.just(b""), content_length=st.none())


@FUZZ
@given(data=st.data())
def test_point5_fuzz_preferences_get_no_5xx(sent, client, caplog, data):
    """The preference centre of a real contact, with any query string and headers."""
    request = data.draw(preference_centre_gets(f"/drip/unsubscribe/{sent['unsubscribe']}/"), label="request")
    assert send_and_check(client, request, caplog).status_code == 200


def _not_one_click(body: bytes) -> bool:
    return b"One-Click" not in body


# The form with anything but an action that would store something, with or without a CSRF token.
PREFERENCE_FORMS = st.fixed_dictionaries(
    {"action": st.text(max_size=30).filter(lambda action: action not in PREFERENCE_ACTIONS)},
    optional={"opt_out": st.lists(st.text(max_size=12), max_size=4), "csrfmiddlewaretoken": st.just(CSRF_SECRET)},
).map(lambda form: urlencode(form, doseq=True).encode())


@functools.cache
def preference_centre_posts(path: str) -> st.SearchStrategy[HostileRequest]:
    return st.builds(
        HostileRequest, method=st.just("POST"), path=st.just(path), query=QUERY_STRINGS,
        headers=headers().map(lambda h: {**h, "Content-Type": "application/x-www-form-urlencoded"}) | headers(),
        body=(PREFERENCE_FORMS | BODIES).filter(_not_one_click), content_length=st.none())


@FUZZ
@given(data=st.data())
def test_point5_fuzz_preferences_post_no_5xx(sent, client, caplog, data):
    """The preference centre's form of a real contact, posted with any body that
    asks for nothing a contact may ask for."""
    client.cookies["csrftoken"] = CSRF_SECRET
    request = data.draw(preference_centre_posts(f"/drip/unsubscribe/{sent['unsubscribe']}/"), label="request")
    send_and_check(client, request, caplog)


@functools.cache
def one_clicks(valid_token: str) -> st.SearchStrategy[HostileRequest]:
    """RFC 8058's POST, as a mailbox provider sends it, to a tampered link."""
    return st.builds(
        HostileRequest, method=st.just("POST"), path=token_paths("/drip/unsubscribe/", near_valid(valid_token)),
        query=QUERY_STRINGS,
        headers=st.fixed_dictionaries({"Content-Type": st.just("application/x-www-form-urlencoded") | CONTENT_TYPES},
                                      optional={"User-Agent": LATIN1, "Cookie": LATIN1, "Transfer-Encoding": LATIN1}),
        body=st.sampled_from([b"List-Unsubscribe=One-Click", b"List-Unsubscribe=One-Click&action=unsubscribe_all"]),
        content_length=st.none() | st.integers(0, 100_000).map(str))


@FUZZ
@given(data=st.data())
def test_point5_fuzz_one_click_unsubscribe_no_5xx(sent, client, caplog, data):
    send_and_check(client, data.draw(one_clicks(sent["unsubscribe"]), label="request"), caplog)


# Found by the fuzz tests above (each fails without its fix):

def test_point5_preference_form_with_an_unknown_action_is_400_and_logged(sent, client, caplog):
    client.cookies["csrftoken"] = CSRF_SECRET
    request = HostileRequest(method="POST", path=f"/drip/unsubscribe/{sent['unsubscribe']}/", query="",
                             headers={"Content-Type": "application/x-www-form-urlencoded"},
                             body=b"action=&csrfmiddlewaretoken=" + CSRF_SECRET.encode(), content_length=None)
    assert send_and_check(client, request, caplog).status_code == 400
    assert "unknown action ''" in caplog.text


def test_point5_preference_form_over_data_upload_max_memory_size_is_413_without_an_error_log(sent, client, caplog):
    # Was a 400 with Django's ERROR log and traceback (RequestDataTooBig from request.POST).
    request = HostileRequest(method="POST", path=f"/drip/unsubscribe/{sent['unsubscribe']}/", query="",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"x" * 2621441,
                             content_length=None)
    assert send_and_check(client, request, caplog).status_code == 413
    assert "preference centre form for contact" in caplog.text
