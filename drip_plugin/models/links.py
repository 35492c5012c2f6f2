from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShortLink(models.Model):
    """A tracked short link of one message (an SMS has no room for a signed
    click URL): <drip urls>/s/<code>/ records the click and redirects."""

    code = models.CharField(max_length=16, unique=True)
    message = models.ForeignKey("drip_plugin.Message", on_delete=models.CASCADE, related_name="short_links")
    url = models.URLField(max_length=2000)

    class Meta:
        verbose_name = _("short link")

    def __str__(self) -> str:
        return f"{self.code} → {self.url}"
