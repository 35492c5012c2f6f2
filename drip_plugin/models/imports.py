from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactImport(models.Model):
    """One run (dry or real) of a contact import started in the admin, over an
    uploaded file kept in the default storage; a Celery task runs it batch by
    batch and records its progress and outcome here."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    file_name = models.CharField(_("file name"), max_length=255, help_text=_("As uploaded."))
    stored_name = models.CharField(_("stored file"), max_length=255)
    dry_run = models.BooleanField(_("dry run"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the worker last showed life (start, each batch): a running job silent
    # for IMPORT_STALLED_MINUTES lost its worker (see fail_stalled_imports).
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    batches = models.PositiveIntegerField(_("batches done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    consents = models.PositiveIntegerField(_("consent records"), default=0)
    # [[line, reason], …]: every refused row.
    refused = models.JSONField(_("refused rows"), default=list, blank=True)
    # [[line, email, "created" | "changed", [field, …]], …]: the first rows created or changed.
    changes = models.JSONField(_("rows created or changed"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("contact import")
        constraints = [
            # A file is imported for real once, however often its confirmation is posted.
            models.UniqueConstraint(fields=["stored_name"], condition=Q(dry_run=False),
                                    name="drip_contact_import_once"),
        ]

    def __str__(self) -> str:
        return f"{'dry run' if self.dry_run else 'import'} of {self.file_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.rows_read / self.total_rows) if self.total_rows else 0
