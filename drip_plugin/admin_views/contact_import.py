"""Contact import in the admin: upload a file, follow its dry run, confirm,
follow the import. Each run is a ContactImport row that a Celery task works
through batch by batch (drip_plugin.ingest.contact_import.run_import_job),
so a large file never runs inside an HTTP request; its page shows a progress
bar (polling the progress JSON) and then the outcome. The upload stays in the
default storage between the two runs and is deleted once imported."""
from __future__ import annotations

import logging
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.permission_policies import ModelPermissionPolicy

from ..ingest.contact_import import ImportFileError, fail_stalled_imports, read_rows
from ..models import Contact, ContactImport
from .pages import DripPage, ModelPermissionCheckedMixin

logger = logging.getLogger("drip_plugin.admin")

UPLOADS = "drip_plugin/imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RECENT = 10  # runs listed under the upload form


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_(
        "Columns: email, first_name, last_name, time_zone, locale, phone, birthday, consent_source, "
        "consent_wording; any other column becomes an attribute. Without a consent_source, a new contact is "
        "not subscribed to marketing email."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Only .csv and .xlsx files can be imported."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB: import it with manage.py "
                                          "drip_import_contacts."))
        return upload


def queue_import(job: ContactImport) -> None:
    """Hand `job` to a Celery worker once it is committed; if the broker
    cannot be reached, the job says so instead of waiting for ever."""
    from ..tasks import contact_import  # the tasks module imports Celery: only where a task is queued

    def send() -> None:
        try:
            contact_import.delay(job.pk)
        except Exception as exc:  # noqa: BLE001 - whatever the broker raises, the admin is told
            logger.warning("contact import %s could not be queued: %s", job.pk, exc)
            ContactImport.objects.filter(pk=job.pk, state=ContactImport.State.QUEUED).update(
                state=ContactImport.State.FAILED, finished_at=timezone.now(),
                error=f"the task queue could not be reached ({exc}): is the Celery broker running?")

    transaction.on_commit(send)


class ContactImportView(ModelPermissionCheckedMixin, DripPage, FormView):
    """Upload: the file is checked (format, header), stored, and its dry run queued."""

    model = Contact
    page_title = _("Import contacts")
    header_icon = "upload"
    permission_required = "add"
    form_class = UploadForm
    template_name = "drip_plugin/admin/contact_import.html"

    def get_parent_crumbs(self):
        return [{"url": reverse("drip_contacts:index"), "label": _("Contacts")}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(recent=ContactImport.objects.order_by("-created_at", "-pk")[:RECENT], **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            read_rows(content, upload.name)  # the header, at once; the rows are the dry run's work
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
        stored = default_storage.save(f"{UPLOADS}/{uuid.uuid4().hex}{suffix}", ContentFile(content))
        job = ContactImport.objects.create(file_name=upload.name[:255], stored_name=stored, dry_run=True,
                                           started_by=self.request.user)
        queue_import(job)
        return redirect("drip_plugin_contact_import_job", pk=job.pk)


def current_job(pk: int) -> ContactImport:
    """The job as it stands, failed first if its worker was lost."""
    fail_stalled_imports(timezone.now(), ContactImport.objects.filter(pk=pk))
    return get_object_or_404(ContactImport, pk=pk)


class ContactImportJobView(ModelPermissionCheckedMixin, DripPage, TemplateView):
    """One run: its progress while it runs, then its outcome; a finished dry
    run can be confirmed (POST), which queues the real import of the same file."""

    model = Contact
    header_icon = "upload"
    permission_required = "add"
    template_name = "drip_plugin/admin/contact_import_job.html"

    @cached_property
    def job(self) -> ContactImport:
        return current_job(self.kwargs["pk"])

    def get_page_title(self):
        return (_("Dry run of %(file)s") if self.job.dry_run else _("Import of %(file)s")) % {
            "file": self.job.file_name}

    def get_parent_crumbs(self):
        return [{"url": reverse("drip_contacts:index"), "label": _("Contacts")},
                {"url": reverse("drip_plugin_contact_import"), "label": _("Import contacts")}]

    def get_context_data(self, **kwargs):
        import_run = None
        if self.job.dry_run:
            import_run = ContactImport.objects.filter(stored_name=self.job.stored_name, dry_run=False).first()
        return super().get_context_data(
            job=self.job, import_run=import_run,
            can_confirm=(self.job.dry_run and self.job.state == ContactImport.State.DONE and import_run is None),
            progress_url=reverse("drip_plugin_contact_import_json", args=[self.job.pk]), **kwargs)

    def post(self, request, *args, **kwargs):
        job = self.job
        if not (job.dry_run and job.state == ContactImport.State.DONE) or not default_storage.exists(job.stored_name):
            messages.error(request, _("This upload is gone (already imported?): upload the file again."))
            return redirect("drip_plugin_contact_import")
        try:
            with transaction.atomic():
                run = ContactImport.objects.create(file_name=job.file_name, stored_name=job.stored_name,
                                                   dry_run=False, started_by=request.user)
        except IntegrityError:  # confirmed twice (a double click, two tabs): imported once
            run = ContactImport.objects.get(stored_name=job.stored_name, dry_run=False)
        else:
            queue_import(run)
            logger.info("contact import %s of %r started from the admin by %s", run.pk, run.file_name,
                        request.user.get_username())
        return redirect("drip_plugin_contact_import_job", pk=run.pk)


def contact_import_progress_view(request, pk: int) -> JsonResponse:
    """What the job page's progress bar polls."""
    if not ModelPermissionPolicy(Contact).user_has_permission(request.user, "add"):
        raise PermissionDenied
    job = current_job(pk)
    return JsonResponse({"state": job.state, "finished": job.finished, "percent": job.percent,
                         "rows_read": job.rows_read, "total_rows": job.total_rows, "batches": job.batches,
                         "created": job.created, "updated": job.updated, "refused": len(job.refused)})
