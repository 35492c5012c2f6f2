"""Wagtail's page furniture for drip's own admin pages: the title and icon
in Wagtail's header, and breadcrumbs Home › Drip › … › the page."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import PermissionCheckedMixin
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy


class ModelPermissionCheckedMixin(PermissionCheckedMixin):
    """Checks `permission_required` against `model`'s permissions. Wagtail 7.1+
    derives the policy from `model`; 7.0 has no policy unless one is set, and
    would let everyone in."""

    @cached_property
    def permission_policy(self):
        return ModelPermissionPolicy(self.model)


class DripPage(WagtailAdminTemplateMixin):
    header_icon = "mail"

    def get_parent_crumbs(self) -> list[dict]:
        """Crumbs between "Drip" and this page (e.g. the object it is about)."""
        return []

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items,
                {"url": reverse("wagtailsnippets_drip_plugin_sequence:list"), "label": _("Drip")},
                *self.get_parent_crumbs(),
                {"url": "", "label": self.get_page_title()}]


class SnippetDraftPage(DripPage, TemplateView):
    """A page about the latest draft of one `model` snippet (its test send):
    the editor needs permission to change it, and its crumbs lead back to the
    snippet's list (`list_label`) and edit view. A page that may render the
    draft as a real contact (`renders_contacts`) also needs "view contact"."""

    model: type
    list_label: str
    renders_contacts = False

    def dispatch(self, request, *args, pk: int, **kwargs):
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise PermissionDenied
        self.snippet = get_object_or_404(self.model, pk=pk)
        if (self.renders_contacts and request.POST.get("as_contact", "").strip()
                and not request.user.has_perm("drip_plugin.view_contact")):
            raise PermissionDenied  # rendering as a contact shows their name, cart and orders
        self.draft = self.snippet.get_latest_revision_as_object()
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.draft.name

    def snippet_url(self, action: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"wagtailsnippets_{opts.app_label}_{opts.model_name}:{action}", args=args)

    @property
    def edit_url(self) -> str:
        return self.snippet_url("edit", self.snippet.pk)

    def get_parent_crumbs(self):
        return [{"url": self.snippet_url("list"), "label": self.list_label},
                {"url": self.edit_url, "label": self.draft.name}]
