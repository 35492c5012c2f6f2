"""Wagtail's page furniture for drip's own admin pages: the title and icon
in Wagtail's header, and breadcrumbs Home › Drip › … › the page."""
from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
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
