"""Hostile HTTP requests for drip's public endpoints (issue 15, point 5) and
the checks each of them must pass: no 5xx, no traceback, nothing stored, and
a log line saying why a request was refused."""
from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
from urllib.parse import quote, urlencode

from django.apps import apps
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, settings, strategies as st

# Moderate, and the same examples on every run, so CI stays fast and stable.
# The db/client fixtures are function-scoped on purpose: every example runs in
# the test's transaction, so whatever one stores the row counts would show.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

METHODS = st.sampled_from(["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]) | st.from_regex(
    r"[A-Za-z]{1,12}", fullmatch=True)
# What a WSGI server may hand over as a header value: latin-1 text, NUL and other controls too.
LATIN1 = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=200)
CONTENT_TYPES = st.sampled_from([
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded; charset=nonsense",
    "multipart/form-data", "multipart/form-data; boundary=xyz", "multipart/form-data; boundary=",
    "application/json", "text/plain", "application/octet-stream",
]) | LATIN1
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
# JSON nested deeper than Python's recursion limit (which hypothesis raises while it runs a test).
DEEP_JSON = st.builds(lambda depth, opener: opener * depth, st.sampled_from([1_000, 10_000, 100_000]),
                      st.sampled_from([b"[", b'{"a":']))
JSON_DOCUMENTS = JSON_VALUES.map(lambda value: json.dumps(value).encode())
FORMS = st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=6).map(lambda d: urlencode(d).encode())
MULTIPART = st.builds(
    lambda name, value: (b'--xyz\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value
                         + b"\r\n--xyz--\r\n"),
    st.binary(max_size=30), st.binary(max_size=60))
# Over WEBHOOK_MAX_BYTES (1 MiB by default) and DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
OVERSIZED = st.sampled_from([1024 * 1024 + 1, 2_621_441, 3_000_000]).map(lambda n: b"x" * n)
BODIES = st.one_of(st.just(b""), st.binary(max_size=2_000), JSON_DOCUMENTS, DEEP_JSON, FORMS, MULTIPART, OVERSIZED)
QUERY_STRINGS = st.one_of(
    st.just(""), FORMS.map(bytes.decode),
    st.text(max_size=200).map(lambda text: quote(text, safe="=&;+%")),
    st.integers(1, 3_000).map(lambda n: "&".join(f"f{i}=v" for i in range(n))),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
)


def near_valid(token: str) -> st.SearchStrategy[bytes]:
    """`token` with one byte flipped (to any byte, a bit, or cut short)."""
    raw = token.encode()
    return st.one_of(
        st.builds(lambda i, b: raw[:i] + bytes([b]) + raw[i + 1:], st.integers(0, len(raw) - 1), st.integers(0, 255))
        .filter(lambda t: t != raw),
        st.builds(lambda i, bit: raw[:i] + bytes([raw[i] ^ (1 << bit)]) + raw[i + 1:],
                  st.integers(0, len(raw) - 1), st.integers(0, 7)),
        st.integers(0, len(raw) - 1).map(lambda i: raw[:i]),
    )


def tokens(valid: str) -> st.SearchStrategy[bytes]:
    """Path tokens: random, near-`valid`, unicode, very long (as raw bytes)."""
    return st.one_of(
        st.from_regex(r"[A-Za-z0-9_\-:.]{1,200}", fullmatch=True).map(str.encode),
        near_valid(valid),
        st.text(min_size=1, max_size=100).map(str.encode),
        st.binary(min_size=1, max_size=100),
        st.builds(lambda n, c: c * n, st.integers(2_000, 20_000), st.sampled_from([b"A", b"\xc3\xa9", b":"])),
    )


def headers(*names: str) -> st.SearchStrategy[dict[str, str]]:
    """Some of the usual suspects plus `names`, with hostile latin-1 values."""
    return st.dictionaries(
        st.sampled_from(["Content-Type", "Cookie", "Accept", "Accept-Language", "Referer", "Origin", "User-Agent",
                         "X-Forwarded-For", "X-CSRFToken", "Transfer-Encoding", *names]),
        st.one_of(LATIN1, st.just("chunked"), st.just(""), CONTENT_TYPES), max_size=6)


# None: the body's true length; else a number a client may claim (a lie, often).
CONTENT_LENGTHS = st.none() | (st.integers(0, 10_000_000).map(str) | st.just(""))


@dataclasses.dataclass
class HostileRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    content_length: str | None

    def __repr__(self) -> str:  # what hypothesis prints for a failure: short enough to paste into a test
        body = self.body if len(self.body) < 300 else f"<{len(self.body)} bytes: {self.body[:40]!r}…>"
        path = self.path if len(self.path) < 300 else f"<{len(self.path)} chars: {self.path[:60]!r}…>"
        return (f"HostileRequest(method={self.method!r}, path={path!r}, query={self.query[:300]!r}, "
                f"headers={self.headers!r}, body={body!r}, content_length={self.content_length!r})")

    def send(self, client: Client):
        # Real servers (gunicorn, uWSGI) validate Content-Length before the app sees
        # it, and a short read at the end of a socket returns what there is: so a
        # digits-only value, and a stream that never asserts.
        extra = {"wsgi.input": io.BytesIO(self.body), "QUERY_STRING": self.query,
                 "CONTENT_TYPE": self.headers.get("Content-Type", "application/octet-stream")}
        length = str(len(self.body)) if self.content_length is None else self.content_length
        if length:
            extra["CONTENT_LENGTH"] = length
        others = {name: value for name, value in self.headers.items() if name != "Content-Type"}
        return client.generic(self.method, self.path, headers=others, **extra)


def token_paths(prefix: str, token_strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[str]:
    return token_strategy.map(lambda token: prefix + quote(token, safe="") + "/")


@functools.cache  # one strategy per test, not one per example (building them is slow)
def hostile_requests(prefix: str, valid_token: str) -> st.SearchStrategy[HostileRequest]:
    """Anything sent to `prefix` + a token like `valid_token` (but not it) + "/"."""
    return st.builds(HostileRequest, method=METHODS, path=token_paths(prefix, tokens(valid_token)),
                     query=QUERY_STRINGS, headers=headers(), body=BODIES, content_length=CONTENT_LENGTHS)


def drip_row_counts() -> dict[str, int]:
    """Rows in each of drip_plugin's tables (m2m tables included), in one query."""
    models = list(apps.get_app_config("drip_plugin").get_models(include_auto_created=True))
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote_name(model._meta.db_table)})"
                                             for model in models))
        return {model._meta.label: count for model, count in zip(models, cursor.fetchone(), strict=True)}


def hostile_client() -> Client:
    """A client that gets the 500 page (as a visitor would) instead of the exception."""
    return Client(raise_request_exception=False, enforce_csrf_checks=True)


def send_and_check(client: Client, request: HostileRequest, caplog):
    """Send `request`: no 5xx, nothing stored, no ERROR log; a 4xx says why in a log line."""
    caplog.set_level(logging.INFO)
    caplog.clear()
    counts_before = drip_row_counts()
    response = request.send(client)
    records = caplog.records
    assert response.status_code < 500, (response.status_code, response.content[:500])
    assert drip_row_counts() == counts_before
    assert [(r.name, r.getMessage()[:300]) for r in records if r.levelno >= logging.ERROR] == []
    if 400 <= response.status_code < 500 and response.status_code != 404:
        # Django's per-response line ("Bad Request: /path") names no reason (but
        # "Not Found: /path" does): the view, or Django's refusal (405, CSRF), must log one.
        reasons = [r for r in records if logging.INFO <= r.levelno < logging.ERROR and r.msg != "%s: %s"]
        assert reasons, f"{response.status_code} without a log line saying why"
    return response
