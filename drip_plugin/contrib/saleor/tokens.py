"""The stored app tokens: key rotation, and asking Saleor whether it still accepts them."""
from __future__ import annotations

from django.db import transaction

from .client import SaleorUnavailable, app_id
from .encryption import TokenUndecryptable, reencrypt
from .models import SaleorInstallation


def reencrypt_tokens() -> list[SaleorInstallation]:
    """Encrypt every installation's token with the newest key; raises
    TokenUndecryptable (and changes nothing) if a token opens with no key."""
    with transaction.atomic():
        installations = list(SaleorInstallation.objects.select_for_update().order_by("pk"))
        for installation in installations:
            installation.encrypted_auth_token = reencrypt(installation.encrypted_auth_token)
        SaleorInstallation.objects.bulk_update(installations, ["encrypted_auth_token"])
    return installations


def check_token(installation: SaleorInstallation) -> str:
    """What is wrong with `installation`'s token ("" when Saleor accepts it)."""
    try:
        app_id(installation.saleor_api_url, installation.auth_token)
    except (SaleorUnavailable, TokenUndecryptable) as exc:
        return str(exc)
    return ""
