"""What the admin pages about one sequence share: Wagtail's header with the
sequence's name, and breadcrumbs back through its edit page."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class SequencePageMixin(WagtailAdminTemplateMixin):
    header_icon = "mail"

    @property
    def shown_sequence(self):
        """The version whose name the page shows (`self.sequence`: the live row)."""
        return self.sequence

    @property
    def edit_url(self) -> str:
        return reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[self.sequence.pk])

    def get_page_subtitle(self):
        return self.shown_sequence.name

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items,
                {"url": reverse("wagtailsnippets_drip_plugin_sequence:list"), "label": _("Drip sequences")},
                {"url": self.edit_url, "label": self.shown_sequence.name},
                {"url": "", "label": self.page_title}]
