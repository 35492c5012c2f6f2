"""Create a sequence from a starter: lists the starters, creates the chosen
one as drafts and opens its sequence for editing."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..models import Sequence
from ..starters import STARTERS, create_from_starter, get_starter


@require_http_methods(["GET", "POST"])
def starters_view(request):
    if not request.user.has_perms(["drip_plugin.add_sequence", "drip_plugin.add_email"]):
        raise PermissionDenied
    if request.method == "POST":
        starter = get_starter(request.POST.get("starter", ""))
        if starter is None:
            raise Http404("no such starter")
        sequence, created = create_from_starter(starter, user=request.user)
        if created:
            messages.success(request, _("“%(name)s” created as a draft with its emails: review, then publish "
                                        "the emails and the sequence.") % {"name": sequence.name})
        else:
            messages.info(request, _("“%(name)s” already exists: opened it instead.") % {"name": sequence.name})
        return redirect(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk]))
    existing = dict(Sequence.objects.filter(name__in=[s.name for s in STARTERS]).values_list("name", "pk"))
    rows = [{"starter": s, "existing": existing.get(s.name)} for s in STARTERS]
    return TemplateResponse(request, "drip_plugin/admin/starters.html",
                            {"rows": rows, "page_title": _("Start from a starter"), "header_icon": "mail"})
