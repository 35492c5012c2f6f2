"""The browser's side of web push: subscribe and unsubscribe (JSON, from
drip-push.js, CSRF-checked by the host's middleware) and the service worker.

Bad input is answered 400 (413 when too large) with a JSON reason and a log
line, never a 500."""
from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_POST

from ...conf import drip_settings
from .subscriptions import InvalidSubscription, parse_subscription, subscribe, unsubscribe

logger = logging.getLogger("drip_plugin.push")
# A subscription's JSON is ~ 500 bytes (endpoints up to 1 KB), plus the opt-in's wording.
MAX_BODY_BYTES = 8 * 1024
MAX_CONSENT_TEXT = 1000
SERVICE_WORKER = Path(__file__).resolve().parents[2] / "static" / "drip_plugin" / "push" / "service-worker.js"


class BadRequest(ValueError):
    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.status = status


def _enabled() -> None:
    if not drip_settings.PUSH_ENABLED:
        raise Http404("web push is off (PUSH_ENABLED)")


def read_json(request: HttpRequest) -> dict:
    """The request's JSON object, refused before reading when too large."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if length > MAX_BODY_BYTES:
        raise BadRequest(f"body over {MAX_BODY_BYTES} bytes", status=413)
    if request.content_type != "application/json":
        raise BadRequest("expected application/json")
    body = request.read(MAX_BODY_BYTES + 1)  # (a chunked body has no Content-Length)
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"body over {MAX_BODY_BYTES} bytes", status=413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def refuse(request: HttpRequest, exc: BadRequest) -> JsonResponse:
    logger.warning("push %s from %s refused: %s", request.path, request.META.get("REMOTE_ADDR"), exc)
    return JsonResponse({"error": str(exc)}, status=exc.status)


def store_subscription(request: HttpRequest, **owner) -> JsonResponse:
    """Shared by the shop's subscribe endpoint and the editor's own one."""
    try:
        data = read_json(request)
        browser = parse_subscription(data.get("subscription"))
        text_shown = data.get("consent_text", "")
        if not isinstance(text_shown, str) or len(text_shown) > MAX_CONSENT_TEXT:
            raise BadRequest(f"consent_text must be a string of at most {MAX_CONSENT_TEXT} characters")
    except InvalidSubscription as exc:
        return refuse(request, BadRequest(str(exc)))
    except BadRequest as exc:
        return refuse(request, exc)
    source = str(data.get("source") or request.META.get("HTTP_REFERER") or "web push opt-in")
    subscription = subscribe(browser, user_agent=request.META.get("HTTP_USER_AGENT", ""), source=source,
                             text_shown=text_shown.strip(), **owner)
    return JsonResponse({"subscribed": True, "id": subscription.pk}, status=201)


@require_POST
def subscribe_view(request: HttpRequest) -> JsonResponse:
    _enabled()
    contact = import_string(drip_settings.PUSH_CONTACT_RESOLVER)(request)
    if contact is None:
        return refuse(request, BadRequest("no contact is known for this visitor", status=403))
    return store_subscription(request, contact=contact)


@require_POST
def unsubscribe_view(request: HttpRequest) -> JsonResponse:
    _enabled()
    try:
        endpoint = read_json(request).get("endpoint")
        if not isinstance(endpoint, str):
            raise BadRequest("endpoint must be a string")
    except BadRequest as exc:
        return refuse(request, exc)
    return JsonResponse({"removed": unsubscribe(endpoint)})


@functools.cache
def service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def service_worker_view(request: HttpRequest) -> HttpResponse:
    """The service worker, served by drip so that its Service-Worker-Allowed
    header lets it control PUSH_SERVICE_WORKER_SCOPE (by default the whole
    site) although its URL is under drip's prefix."""
    _enabled()
    response = HttpResponse(service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = drip_settings.PUSH_SERVICE_WORKER_SCOPE
    response["Cache-Control"] = "no-cache"  # browsers check for a new version at each registration
    return response
