"""Contact import in the admin: upload a file, read the dry run, confirm.
The upload is kept in the default storage between the two steps and
deleted once imported."""
from __future__ import annotations

import logging
import uuid
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from ..ingest.contact_import import ImportFileError, import_contacts, read_rows
from ..models import Contact
from .pages import DripPage, ModelPermissionCheckedMixin

logger = logging.getLogger("drip_plugin.admin")

UPLOADS = "drip_plugin/imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


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


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)

    def clean_token(self) -> str:
        name = PurePath(self.cleaned_data["token"]).name  # a bare file name, never a path
        if not default_storage.exists(f"{UPLOADS}/{name}"):
            raise forms.ValidationError(_("This upload is gone (already imported?): upload the file again."))
        return f"{UPLOADS}/{name}"


class ContactImportView(ModelPermissionCheckedMixin, DripPage, FormView):
    model = Contact
    page_title = _("Import contacts")
    header_icon = "upload"

    def get_parent_crumbs(self):
        return [{"url": reverse("drip_contacts:index"), "label": _("Contacts")}]

    permission_required = "add"
    form_class = UploadForm
    template_name = "drip_plugin/admin/contact_import.html"

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(ConfirmForm(request.POST))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = import_contacts(read_rows(content, upload.name), dry_run=True)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
        stored = default_storage.save(f"{UPLOADS}/{uuid.uuid4().hex}{suffix}", ContentFile(content))
        return self.render_to_response(self.get_context_data(
            form=form, report=report, confirm=ConfirmForm(initial={"token": PurePath(stored).name}),
            file_name=upload.name))

    def confirm(self, form: ConfirmForm):
        if not form.is_valid():
            messages.error(self.request, " ".join(form.errors.get("token", [])))
            return redirect("drip_plugin_contact_import")
        path = form.cleaned_data["token"]
        with default_storage.open(path, "rb") as handle:
            content = handle.read()
        report = import_contacts(read_rows(content, path), dry_run=False)
        default_storage.delete(path)
        logger.info("contacts imported from the admin by %s", self.request.user.get_username())
        messages.success(self.request, _("Imported: %(created)d created, %(updated)d changed, %(refused)d refused.") % {
            "created": report.created, "updated": report.updated, "refused": len(report.refused)})
        return redirect("drip_contacts:index")
