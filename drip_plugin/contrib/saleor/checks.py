"""System checks of the Saleor App."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.translation import gettext as _, gettext_lazy

from ...conf import drip_settings

KEY_HINT = gettext_lazy('e.g. DRIP_PLUGIN["ENCRYPTION_KEYS"] = [os.environ["DRIP_ENCRYPTION_KEY"]], a long random '
            'string (python -c "import secrets; print(secrets.token_urlsafe(32))") kept out of the code.')


@register(Tags.security)
def check_encryption_keys(app_configs=None, **kwargs):
    """Saleor app tokens are encrypted with ENCRYPTION_KEYS: they must be set in production."""
    keys = drip_settings.ENCRYPTION_KEYS
    if not isinstance(keys, (list, tuple)) or not all(isinstance(key, str) and key for key in keys):
        return [Error(_("DRIP_PLUGIN['ENCRYPTION_KEYS'] must be a list of non-empty strings, newest first, "
                        "not %(value)r.") % {"value": keys}, hint=KEY_HINT, id="drip_saleor.E002")]
    if not keys and not settings.DEBUG:
        return [Error(_("DRIP_PLUGIN['ENCRYPTION_KEYS'] is empty: Saleor app tokens would be encrypted with a "
                        "key derived from SECRET_KEY (lost when it is rotated)."), hint=KEY_HINT, id="drip_saleor.E001")]
    return []
