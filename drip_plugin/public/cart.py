"""The restore-cart link of cart emails: verified here, resolved by the host."""
from __future__ import annotations

import logging

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache

from ..conf import drip_settings
from ..links.routes import read_cart_token

logger = logging.getLogger("drip_plugin.public")


@never_cache
def restore_cart_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        checkout_id = read_cart_token(token, drip_settings.CART_RESTORE_MAX_AGE_DAYS)
    except signing.SignatureExpired:
        logger.info("expired restore-cart link used")
        return render(request, "drip_plugin/cart_unavailable.html", {"expired": True}, status=410)
    except signing.BadSignature:
        logger.warning("restore-cart link with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return render(request, "drip_plugin/cart_unavailable.html", status=400)
    if not drip_settings.CART_RESTORE_HANDLER:
        logger.error("restore-cart link followed but DRIP_PLUGIN['CART_RESTORE_HANDLER'] is not set")
        return render(request, "drip_plugin/cart_unavailable.html", status=404)
    return import_string(drip_settings.CART_RESTORE_HANDLER)(request, checkout_id)
