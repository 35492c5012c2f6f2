from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .encryption import decrypt, encrypt


class SaleorInstallation(models.Model):
    """One Saleor instance that installed the drip app."""

    saleor_api_url = models.URLField(_("Saleor API URL"), max_length=500, unique=True)
    app_id = models.CharField(max_length=100, blank=True)
    # The app token Saleor handed over at registration (API calls back to
    # Saleor), encrypted: read and set it as `auth_token`.
    encrypted_auth_token = models.TextField()
    # Saleor's signing keys, refetched when older than SALEOR_JWKS_MAX_AGE or
    # when a webhook names an unknown kid.
    jwks = models.JSONField(default=dict)
    jwks_fetched_at = models.DateTimeField()
    installed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table drip_plugin created before Saleor became a contrib app.
        db_table = "drip_plugin_saleorinstallation"
        verbose_name = _("Saleor installation")

    def __str__(self) -> str:
        return self.saleor_api_url

    @property
    def auth_token(self) -> str:
        """The app token in clear; TokenUndecryptable when no configured key opens it."""
        return decrypt(self.encrypted_auth_token)

    @auth_token.setter
    def auth_token(self, token: str) -> None:
        self.encrypted_auth_token = encrypt(token)


class SaleorWebhookDelivery(models.Model):
    """A verified webhook, stored before it is answered and processed after.

    Saleor delivers at least once, unordered and without an event id, so the
    same (instance, event, body) is one delivery however often it arrives.
    """

    installation = models.ForeignKey(SaleorInstallation, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=64)
    body_sha256 = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "drip_plugin_saleorwebhookdelivery"
        verbose_name = _("Saleor webhook delivery")
        verbose_name_plural = _("Saleor webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["installation", "event_type", "body_sha256"],
                                    name="drip_saleor_delivery_once")
        ]
        indexes = [
            # The tick's sweep reads only deliveries still to process.
            models.Index(fields=["received_at"], name="drip_saleor_pending", condition=Q(processed_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.body_sha256[:12]}"
