"""A browser's push subscription: where and how to reach it, and the proof
of the opt-in that created it (the opt-in is the push channel's consent)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin


class PushSubscription(models.Model):
    """One browser of a contact (or of an editor, for test pushes) that agreed
    to receive notifications. Deleted when the browser unsubscribes or the
    push service answers 404/410 (the subscription expired)."""

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="push_subscriptions")
    # An editor's own browser, for "test push to my own browser": no contact.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="drip_push_subscriptions")
    # The push service's URL for this browser: a secret capability, so
    # knowing it is enough to unsubscribe.
    endpoint = models.URLField(_("endpoint"), max_length=1024, unique=True)
    # The browser's ECDH public key (P-256, base64url) and auth secret the payload is encrypted for.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    # Consent evidence: where the opt-in was given and the words shown next to the button.
    consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    consent_text = models.TextField(_("consent text shown"), blank=True)

    class Meta:
        verbose_name = _("push subscription")
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, user__isnull=True) | Q(contact__isnull=True, user__isnull=False),
                name="drip_push_subscription_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.user} · {self.user_agent[:40] or self.endpoint[:40]}"

    def subscription_info(self) -> dict:
        """The browser's PushSubscription JSON, as pywebpush takes it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushNotification(PreviewableMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """The content of one web push notification, reusable by push steps of
    any sequence. Like an Email, the row holds the live version and drafts
    stay in revisions. Every field is a Django template over the merge
    context of emails ({{ contact.first_name }}, {{ cart.restore_url }}, …)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("For editors only, e.g. 'Cart reminder push'."))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=1000, blank=True)
    url = models.CharField(_("link"), max_length=1000, blank=True,
                           help_text=_("Opened when the notification is clicked, e.g. {{ cart.restore_url }}; "
                                       "a path such as /cart/ is on the shop's site."))
    icon = models.CharField(_("icon"), max_length=1000, blank=True, help_text=_("URL of a square image (192×192)."))
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_push_notification")

    panels = [FieldPanel("name"), FieldPanel("title"), FieldPanel("body"), FieldPanel("url"), FieldPanel("icon")]

    class Meta:
        verbose_name = _("push notification")

    def __str__(self) -> str:
        return self.name

    def get_preview_template(self, request, mode_name):
        return "drip_plugin/push/preview.html"

    def get_preview_context(self, request, mode_name):
        """The notification as the sample contact's browser shows it, or why it cannot be rendered."""
        from ...rendering import TemplateProblem
        from ...rendering.preview import sample_merge_context
        from .content import render_payload

        try:
            return {"payload": render_payload(self, sample_merge_context())}
        except TemplateProblem as exc:
            return {"problem": str(exc)}

    def clean(self):
        """Merged for the sample contact, it must render and fit in a push message."""
        super().clean()
        from ...rendering import TemplateProblem
        from ...rendering.preview import sample_merge_context
        from .content import render_payload

        try:
            render_payload(self, sample_merge_context())
        except TemplateProblem as exc:
            raise ValidationError(str(exc)) from None
