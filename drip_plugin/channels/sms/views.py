"""Twilio's callbacks: thin shells over callbacks.py. A forged request is
refused with 403 and a log line; bad input is a 4xx, never a 500."""
from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ...conf import drip_settings
from ...links.routes import absolute
from .callbacks import Forged, handle_reply, record_status, verify

logger = logging.getLogger("drip_plugin.sms")


def _verified(request: HttpRequest) -> HttpResponse | None:
    """A refusal, or None when the request is Twilio's."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > drip_settings.WEBHOOK_MAX_BYTES:
        logger.warning("Twilio %s refused (413): body of %s bytes", request.path, declared)
        return HttpResponse("body too large", status=413, content_type="text/plain")
    try:
        # The URL drip gave Twilio, not the one a proxy in front of us rebuilt.
        verify(absolute(request.get_full_path()), request.POST, request.headers.get("X-Twilio-Signature", ""))
    except Forged as exc:
        logger.warning("Twilio %s refused (403): %s", request.path, exc)
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    return None


@csrf_exempt
@require_POST
def status_view(request: HttpRequest) -> HttpResponse:
    if refusal := _verified(request):
        return refusal
    logger.info("Twilio status callback: %s", record_status(request.POST))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def inbound_view(request: HttpRequest) -> HttpResponse:
    if refusal := _verified(request):
        return refusal
    from twilio.twiml.messaging_response import MessagingResponse

    reply = handle_reply(request.POST)
    logger.info("Twilio inbound SMS: %s", reply.action)
    twiml = MessagingResponse()
    if reply.text:
        twiml.message(reply.text)
    return HttpResponse(str(twiml), content_type="text/xml")
