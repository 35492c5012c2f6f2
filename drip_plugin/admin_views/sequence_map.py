"""The map of one sequence: its flow as a diagram, with live counts, and
the same flow as a table for screen readers and copying."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from ..analytics.flow import build_flow
from ..analytics.flow_svg import flow_svg
from ..models import Sequence
from .pages import ModelPermissionCheckedMixin
from .sequence_pages import SequencePageMixin


class SequenceMapView(ModelPermissionCheckedMixin, SequencePageMixin, TemplateView):
    model = Sequence
    any_permission_required = ["view", "change"]
    template_name = "drip_plugin/admin/sequence_map.html"
    page_title = _("Sequence map")

    def dispatch(self, request, *args, pk: int, **kwargs):
        self.sequence = get_object_or_404(Sequence, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        flow = build_flow(self.sequence)
        return super().get_context_data(**kwargs, flow=flow, svg=flow_svg(flow),
                                         rows=[(node, flow.paths_from(node.key)) for node in flow.nodes])
