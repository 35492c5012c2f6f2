from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from ..rendering.markup import as_text

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #1f6feb."))



def footer(language: str) -> str:
    """The footer every block-built and starter email ends with, in the email's
    language: sender identity and the unsubscribe/preferences links (anti-spam
    law, Gmail/Yahoo bulk-sender rules)."""
    with translation.override(language):
        unsubscribe, preferences = escape(translation.gettext("Unsubscribe")), escape(translation.gettext("Email preferences"))
    return f"""    <mj-section><mj-column>
      <mj-text font-size="12px" color="#666666" align="center">{{{{ sender.postal_address }}}}<br />
        <a href="{{{{ links.unsubscribe }}}}">{unsubscribe}</a> · <a href="{{{{ links.preferences }}}}">{preferences}</a></mj-text>
    </mj-column></mj-section>"""


class Layout(models.Model):
    """Brand header, colours and footer shared by the emails built from blocks."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    shop_name = models.CharField(_("shop name"), max_length=100, help_text=_("Shown in the header when there is no logo."))
    logo_url = models.URLField(_("logo URL"), blank=True, help_text=_("An absolute https:// URL, about 200 px wide."))
    brand_colour = models.CharField(_("brand colour"), max_length=7, default="#1f6feb", validators=[COLOUR])
    background_colour = models.CharField(_("background colour"), max_length=7, default="#f4f4f7", validators=[COLOUR])
    font_family = models.CharField(_("font family"), max_length=200, default="Helvetica, Arial, sans-serif")

    panels = [
        FieldPanel("name"), FieldPanel("shop_name"), FieldPanel("logo_url"),
        FieldRowPanel([FieldPanel("brand_colour"), FieldPanel("background_colour")]), FieldPanel("font_family"),
    ]

    class Meta:
        verbose_name = _("email layout")

    def __str__(self) -> str:
        return self.name

    def opening(self, preheader: str) -> str:
        """Everything before the email's own sections."""
        brand = (f'<mj-image src="{escape(self.logo_url)}" alt="{escape(self.shop_name)}" width="200px" />'
                 if self.logo_url else
                 f'<mj-text color="#ffffff" font-size="22px" font-weight="bold">{escape(self.shop_name)}</mj-text>')
        preview = f"<mj-preview>{as_text(preheader)}</mj-preview>" if preheader else ""
        return f"""<mjml>
  <mj-head>{preview}
    <mj-attributes><mj-all font-family="{escape(self.font_family)}" /><mj-button background-color="{self.brand_colour}" /></mj-attributes>
  </mj-head>
  <mj-body background-color="{self.background_colour}">
    <mj-section background-color="{self.brand_colour}"><mj-column>{brand}</mj-column></mj-section>
"""

    def closing(self, language: str) -> str:
        return f"{footer(language)}\n  </mj-body>\n</mjml>"
