"""Issue 15 point 9: the Saleor app token is encrypted at rest, with keys
from DRIP_PLUGIN["ENCRYPTION_KEYS"] (newest first, so keys can rotate)."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from drip_plugin.contrib.saleor.checks import check_encryption_keys
from drip_plugin.contrib.saleor.encryption import TokenUndecryptable
from drip_plugin.contrib.saleor.models import SaleorInstallation

BEFORE_ENCRYPTION = ("drip_saleor", "0001_initial")


def stored_tokens() -> list[str]:
    """The token column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_auth_token FROM drip_plugin_saleorinstallation ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def use_keys(settings, *keys: str) -> None:
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "ENCRYPTION_KEYS": list(keys)}


def test_point9_saleor_app_token_is_not_stored_in_clear(installed_saleor):
    (stored,) = stored_tokens()
    assert installed_saleor.app_token not in stored and len(stored) > 100
    assert SaleorInstallation.objects.get().auth_token == installed_saleor.app_token


def test_point9_app_calls_saleor_with_the_stored_token_decrypted(installed_saleor, capsys):
    installed_saleor.authorizations.clear()
    call_command("drip_saleor_tokens", "--check")
    assert installed_saleor.authorizations == [f"Bearer {installed_saleor.app_token}"]
    assert f"{installed_saleor.api_url}: token accepted" in capsys.readouterr().out


def test_point9_app_token_check_reports_a_token_saleor_refuses(installed_saleor):
    installed_saleor.app_token = "revoked-in-the-dashboard"
    with pytest.raises(CommandError, match="1 Saleor installation"):
        call_command("drip_saleor_tokens", "--check")


def test_point9_key_rotation_with_two_keys_decrypts_old_rows_then_reencrypts_them(db, settings, caplog):
    use_keys(settings, "old-key")
    SaleorInstallation.objects.create(saleor_api_url="https://a.test/graphql/", auth_token="token-a",
                                      jwks_fetched_at=timezone.now())
    use_keys(settings, "new-key", "old-key")  # step 1: the new key in front, the old one still listed
    SaleorInstallation.objects.create(saleor_api_url="https://b.test/graphql/", auth_token="token-b",
                                      jwks_fetched_at=timezone.now())
    assert [i.auth_token for i in SaleorInstallation.objects.order_by("pk")] == ["token-a", "token-b"]
    use_keys(settings, "new-key")  # the old key dropped too early: row a is unreadable, with a clear error
    with pytest.raises(TokenUndecryptable, match="ENCRYPTION_KEYS"):
        SaleorInstallation.objects.get(saleor_api_url="https://a.test/graphql/").auth_token  # noqa: B018
    assert "cannot be decrypted" in caplog.text
    with pytest.raises(CommandError, match="nothing re-encrypted"):
        call_command("drip_saleor_tokens")

    use_keys(settings, "new-key", "old-key")
    before = stored_tokens()
    call_command("drip_saleor_tokens")  # step 2: every row re-encrypted with the new key
    assert all(new != old for new, old in zip(stored_tokens(), before))
    use_keys(settings, "new-key")  # step 3: the old key can go
    assert [i.auth_token for i in SaleorInstallation.objects.order_by("pk")] == ["token-a", "token-b"]


@pytest.mark.django_db(transaction=True)
def test_point9_migration_encrypts_an_existing_plain_token_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_ENCRYPTION])
    OldInstallation = executor.loader.project_state([BEFORE_ENCRYPTION]).apps.get_model("drip_saleor", "SaleorInstallation")
    OldInstallation.objects.create(saleor_api_url="https://s.test/graphql/", auth_token="plain-token",
                                   jwks={"keys": []}, jwks_fetched_at=timezone.now())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    (stored,) = stored_tokens()
    assert "plain-token" not in stored
    assert SaleorInstallation.objects.get().auth_token == "plain-token"

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_ENCRYPTION])
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM drip_plugin_saleorinstallation")
        assert cursor.fetchall() == [("plain-token",)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_point9_encryption_keys_missing_in_production_is_a_system_check_error(settings):
    use_keys(settings)
    settings.DEBUG = False
    assert [p.id for p in check_encryption_keys()] == ["drip_saleor.E001"]
    settings.DEBUG = True
    assert check_encryption_keys() == []
    use_keys(settings, "")
    assert [p.id for p in check_encryption_keys()] == ["drip_saleor.E002"]
    use_keys(settings, "a-long-random-key")
    settings.DEBUG = False
    assert check_encryption_keys() == []
