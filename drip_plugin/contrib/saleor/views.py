"""HTTP endpoints of the Saleor App: thin shells over the modules beside them.

Saleor does not retry 3xx/4xx, so these never redirect, and a webhook is
stored and answered before it is processed. The webhook is checked as
anymail checks an ESP's: its body read within WEBHOOK_MAX_BYTES, then
validate_request (installation, signature), then parse_events (the event
and its payload).
"""
from __future__ import annotations

import json
import logging
import time

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ...conf import drip_settings
from .client import SaleorUnavailable, app_id, fetch_jwks
from .manifest import EVENT_OF_TYPENAME, WEBHOOK_EVENTS, build_manifest
from .models import SaleorInstallation
from .processing import record_delivery
from .signatures import KeysUnavailable, SignatureError, verify
from .tasks import process_saleor_deliveries

logger = logging.getLogger("drip_plugin.contrib.saleor")


def _refuse(status: int, reason: str, request: HttpRequest) -> JsonResponse:
    logger.warning("Saleor %s refused (%s): %s", request.path, status, reason)
    return JsonResponse({"error": reason}, status=status)


def _allowed(api_url: str) -> bool:
    return bool(api_url) and api_url in drip_settings.SALEOR_ALLOWED_API_URLS


def _read_body(request: HttpRequest) -> bytes | JsonResponse:
    """The body, or a refusal when it is over WEBHOOK_MAX_BYTES (413), read
    with that bound before anything else looks at it."""
    limit = drip_settings.WEBHOOK_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _refuse(413, f"body of {declared} bytes is over WEBHOOK_MAX_BYTES ({limit})", request)
    stream = request
    chunked = "Transfer-Encoding" in request.headers and "CONTENT_LENGTH" not in request.META
    if chunked and "wsgi.input" in request.META:
        # A chunked body: Django's WSGI request reads nothing without a
        # Content-Length, so read the server's stream, which ends with the body
        # only where the server says so (gunicorn, mod_wsgi: wsgi.input_terminated).
        if not request.META.get("wsgi.input_terminated"):
            return _refuse(411, "a chunked body this server does not delimit: send a Content-Length", request)
        stream = request.META["wsgi.input"]
    body = b""
    while len(body) <= limit and (chunk := stream.read(limit + 1 - len(body))):  # a socket may return less
        body += chunk
    if len(body) > limit:
        return _refuse(413, f"body is over WEBHOOK_MAX_BYTES ({limit})", request)
    return body


@require_GET
def manifest_view(request: HttpRequest) -> JsonResponse:
    url = request.build_absolute_uri
    return JsonResponse(build_manifest(
        app_url=url("/"),
        token_target_url=url(reverse("drip_saleor:register")),
        webhook_url=url(reverse("drip_saleor:webhook")),
    ))


@csrf_exempt
@require_POST
def register_view(request: HttpRequest) -> JsonResponse:
    api_url = request.headers.get("Saleor-Api-Url", "")
    if not _allowed(api_url):
        return _refuse(403, f"Saleor API URL {api_url!r} is not in SALEOR_ALLOWED_API_URLS", request)
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        token = json.loads(body)["auth_token"]
        if not isinstance(token, str) or not token:
            raise ValueError("auth_token must be a non-empty string")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        return _refuse(400, f"expected JSON {{\"auth_token\": …}}: {exc!r}", request)
    try:
        saleor_app_id = app_id(api_url, token)
        jwks = fetch_jwks(api_url)
    except SaleorUnavailable as exc:
        return _refuse(403, f"could not verify the installation with Saleor: {exc}", request)
    SaleorInstallation.objects.update_or_create(saleor_api_url=api_url, defaults={
        "app_id": saleor_app_id, "auth_token": token, "jwks": jwks, "jwks_fetched_at": timezone.now()})
    logger.info("Saleor app installed for %s (app %s)", api_url, saleor_app_id)
    return JsonResponse({"success": True})


class Refused(Exception):
    """A webhook answered with `status` and nothing stored."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def validate_request(request: HttpRequest, body: bytes) -> SaleorInstallation:
    """The installation the webhook comes from, its signature over `body`
    verified; raises Refused (403, 503 while Saleor's keys cannot be had, 401)."""
    api_url = request.headers.get("Saleor-Api-Url", "")
    # The allow-list first: a header is no query value (PostgreSQL refuses a NUL in one).
    installation = SaleorInstallation.objects.filter(saleor_api_url=api_url).first() if _allowed(api_url) else None
    if installation is None:
        raise Refused(403, f"no installation for Saleor API URL {api_url!r}")
    try:
        verify(installation, body, request.headers.get("Saleor-Signature", ""))
    except KeysUnavailable as exc:
        raise Refused(503, str(exc)) from None
    except SignatureError as exc:
        raise Refused(401, str(exc)) from None
    return installation


def parse_events(request: HttpRequest, body: bytes) -> tuple[str, dict | None]:
    """(event type, payload) of a verified body; the payload is None for an
    event drip does not subscribe to. Raises Refused (400)."""
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise Refused(400, f"malformed JSON: {exc}") from None
    # Without the (unsigned) header, the signed __typename says which event it is.
    typename = payload.get("__typename")
    event_type = (request.headers.get("Saleor-Event", "").upper()
                  or (EVENT_OF_TYPENAME.get(typename, "") if isinstance(typename, str) else ""))
    if event_type not in WEBHOOK_EVENTS:
        return event_type, None
    # The Saleor-Event header is not signed; the payload's __typename is.
    if payload.get("__typename") != WEBHOOK_EVENTS[event_type][0]:
        raise Refused(400, f"Saleor-Event {event_type} does not match the signed payload "
                           f"({payload.get('__typename')!r})")
    return event_type, payload


@csrf_exempt
@require_POST
def webhook_view(request: HttpRequest) -> JsonResponse:
    body = _read_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        installation = validate_request(request, body)
        event_type, payload = parse_events(request, body)
    except Refused as exc:
        return _refuse(exc.status, str(exc), request)
    if payload is None:
        logger.info("Saleor event %r ignored: drip does not subscribe to it", event_type)
        return JsonResponse({"ignored": event_type})
    delivery, created = record_delivery(installation, event_type, body, payload)
    if created:
        transaction.on_commit(_queue_batch)
    return JsonResponse({"accepted": delivery.pk, "duplicate": not created})


# Webhooks are processed in batches: a task per webhook cost as much as
# storing it. A process queues one batch task per BATCH_DELAY seconds at most,
# run BATCH_DELAY later, so every delivery committed before its turn is in it.
BATCH_DELAY = 1.0
_batch_queued_until = 0.0


def _queue_batch() -> None:
    global _batch_queued_until
    now = time.monotonic()
    if now < _batch_queued_until:
        return
    _batch_queued_until = now + BATCH_DELAY
    try:
        process_saleor_deliveries.apply_async(countdown=BATCH_DELAY)
    except Exception:  # noqa: BLE001 - the broker being down loses nothing
        logger.warning("could not queue the Saleor batch; the next tick processes the deliveries", exc_info=True)
