"""Open pixel and click redirect endpoints."""
from __future__ import annotations

import base64
import logging

from django.core import signing
from django.http import (HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound,
                         HttpResponseRedirect)
from django.views.decorators.cache import never_cache

from ..analytics.honesty import request_flag
from ..delivery.tracking import record_message_event
from ..links.signed import CLICK_SALT, OPEN_SALT
from ..models import Message, ShortLink

logger = logging.getLogger("drip_plugin.public")
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _record(request: HttpRequest, message_id: int, event_type: str, url: str = "") -> None:
    message = Message.objects.filter(pk=message_id).first()
    if message is not None:  # an open or click also resets the soft-bounce count
        record_message_event(message, event_type, message.to_email, url=url, flag=request_flag(request, event_type))


@never_cache
def click_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        logger.warning("click link with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return HttpResponseBadRequest("This link is not valid.")
    _record(request, payload["m"], "clicked", payload["u"])
    return HttpResponseRedirect(payload["u"])


@never_cache
def short_link_view(request: HttpRequest, code: str) -> HttpResponse:
    link = ShortLink.objects.filter(code=code).select_related("message").first()
    if link is None:
        logger.warning("unknown short link %r from %s", code[:16], request.META.get("REMOTE_ADDR"))
        return HttpResponseNotFound("This link is not valid.")
    record_message_event(link.message, "clicked", link.message.to_email, url=link.url,
                         flag=request_flag(request, "clicked"))
    return HttpResponseRedirect(link.url)


@never_cache
def open_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _record(request, signing.loads(token, salt=OPEN_SALT), "opened")
    except signing.BadSignature:
        logger.info("open pixel with a bad signature")
    return HttpResponse(PIXEL, content_type="image/gif")
