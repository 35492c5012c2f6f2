"""Admin forms of drip's snippets."""
from __future__ import annotations

import json

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .rendering.validation import email_problems


class EmailForm(WagtailAdminModelForm):
    """A draft may be saved with content problems (MJML, template syntax):
    the editor sees them as a warning, and publishing refuses them.

    Wagtail defers validation when saving a draft; this form then drops the
    errors whose code marks them as content problems (Email.clean).
    """

    # Set while Wagtail validates a draft; own flag, since Wagtail 7.0's form
    # has no `is_deferred_validation` (7.1+ has).
    saving_draft = False

    def defer_required_fields(self):
        super().defer_required_fields()
        self.saving_draft = True

    def restore_required_fields(self):
        super().restore_required_fields()
        self.saving_draft = False

    def _post_clean(self):
        super()._post_clean()
        if not self.saving_draft:
            return
        from .models.emails import CONTENT_PROBLEM

        for field in list(self._errors):
            kept = [error for error in self._errors[field].as_data() if error.code != CONTENT_PROBLEM]
            if kept:
                self._errors[field].data[:] = kept
            else:
                del self._errors[field]


class SmsTextForm(EmailForm):
    """As an email's: a draft may be saved with content problems (a merge
    field, the segment cap), publishing may not."""


class MJMLCodeEditor(forms.Textarea):
    """The raw MJML field as a code editor (CodeMirror 6, built from
    drip_plugin/frontend/ into static/drip_plugin/editor/): line numbers,
    highlighting, and the lines of the source's problems marked — the same
    problems, with the same lines, as the form reports (rendering/validation.py).

    They are worked out from the value shown, not taken from the form's
    errors: a draft saved with problems keeps no errors, and still shows them."""

    class Media:
        js = ["drip_plugin/editor/mjml-editor.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        source = self.format_value(value) or ""
        problems = email_problems(source, "").get("mjml", []) if source.strip() else []
        context["widget"]["attrs"].update({
            "data-drip-code-editor": "",
            "data-problems": json.dumps([{"line": p.line, "message": p.message} for p in problems]),
        })
        return context
