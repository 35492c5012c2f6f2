"""The segment count shown under a sequence's filters while they are edited:
the edit form's data in, how many contacts match out (JSON)."""
from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_POST
from wagtail.permission_policies import ModelPermissionPolicy

from ..engine.segments import count_matching
from ..models import Sequence

logger = logging.getLogger("drip_plugin.admin")

FILTER_FIELDS = ("trigger_filters", "flow_filters")


@require_POST
def segment_count_view(request):
    """POST: the sequence form's fields (as the browser would submit them)
    and `field`, the filter to count (trigger_filters or flow_filters)."""
    if not ModelPermissionPolicy(Sequence).user_has_any_permission(request.user, ["add", "change"]):
        raise PermissionDenied
    field = request.POST.get("field")
    if field not in FILTER_FIELDS:
        return JsonResponse({"error": _("field must be one of %s") % ", ".join(FILTER_FIELDS)}, status=400)
    stream_block = Sequence._meta.get_field(field).stream_block
    try:
        conditions = stream_block.clean(stream_block.value_from_datadict(request.POST, request.FILES, field))
    except (ValidationError, KeyError, ValueError) as exc:  # a condition still being written
        logger.info("segment count: %s not countable yet: %r", field, exc)
        return JsonResponse({"error": _("Complete the conditions to see how many contacts match.")}, status=400)
    count = count_matching(conditions)
    return JsonResponse({"matching": count.matching, "subscribed": count.subscribed, "total": count.total,
                         "depends_on_event": count.depends_on_event, "text": count_text(count)})


def count_text(count) -> str:
    """The count as the editor reads it under the filters, in their language."""
    text = ngettext("%(matching)d of %(total)d contact matches the contact conditions (%(subscribed)d subscribed).",
                    "%(matching)d of %(total)d contacts match the contact conditions (%(subscribed)d subscribed).",
                    count.total) % {"matching": count.matching, "total": count.total, "subscribed": count.subscribed}
    if count.depends_on_event:
        text += " " + _("Depends on the event: %(conditions)s.") % {"conditions": "; ".join(count.depends_on_event)}
    return text
