"""Admin forms of drip's snippets."""
from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm


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
