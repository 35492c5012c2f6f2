"""Create a sequence from a starter: lists the starters, creates the chosen
one as drafts and opens its sequence for editing."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.generic import TemplateView
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Email, Sequence
from ..starters import STARTERS, create_from_starter, get_starter, sequence_name
from .pages import DripPage, ModelPermissionCheckedMixin


class StartersView(ModelPermissionCheckedMixin, DripPage, TemplateView):
    model = Sequence
    page_title = gettext_lazy("Start from a starter")
    header_icon = "plus"
    permission_required = "add"  # and add emails: a starter creates both
    http_method_names = ["get", "post"]
    template_name = "drip_plugin/admin/starters.html"

    def dispatch(self, request, *args, **kwargs):
        if not ModelPermissionPolicy(Email).user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        names = {s.key: sequence_name(s) for s in STARTERS}  # as created: in the site's default language
        existing = dict(Sequence.objects.filter(name__in=names.values()).values_list("name", "pk"))
        rows = [{"starter": s, "existing": existing.get(names[s.key])} for s in STARTERS]
        return {**super().get_context_data(**kwargs), "rows": rows}

    def post(self, request):
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
