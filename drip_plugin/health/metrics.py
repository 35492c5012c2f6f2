"""The Prometheus endpoint: off until DRIP_PLUGIN["METRICS_TOKEN"] is set,
then answered only to a request bearing that token."""
from __future__ import annotations

import hmac
import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..conf import drip_settings
from .figures import health_figures

logger = logging.getLogger("drip_plugin.health")


class DripCollector(Collector):
    """Reads the figures from the database at each scrape (no state kept in
    the process, so every worker answers the same)."""

    def collect(self):
        for figure in health_figures(timezone.now()):
            family_class = CounterMetricFamily if figure.kind == "counter" else GaugeMetricFamily
            family = family_class(figure.name, figure.documentation, labels=figure.labels)
            for values, number in figure.samples.items():
                family.add_metric(values, number)
            yield family


def has_token(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = drip_settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off")
    if not has_token(request, token):
        logger.warning("metrics refused: missing or wrong bearer token from %s", request.META.get("REMOTE_ADDR"))
        return HttpResponseForbidden("a valid bearer token is required")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DripCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
