"""Issue 16: Saleor's tables handed from drip_plugin to the contrib app with
their rows (SeparateDatabaseAndState, same table names)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from drip_plugin.contrib.saleor.models import SaleorInstallation, SaleorWebhookDelivery

MOVE = ("drip_plugin", "0015_saleor_to_contrib")


@pytest.mark.django_db(transaction=True)
def test_point_saleor_migration_keeps_existing_installations_and_deliveries():
    executor = MigrationExecutor(connection)
    # The state just before the move: Saleor's models still in drip_plugin.
    before = [dep for dep in executor.loader.get_migration(*MOVE).dependencies if dep[0] == "drip_plugin"]
    executor.migrate([*before, ("drip_saleor", None)])
    old_apps = executor.loader.project_state(before).apps
    assert not old_apps.is_installed("drip_plugin.contrib.saleor")
    OldInstallation = old_apps.get_model("drip_plugin", "SaleorInstallation")
    OldDelivery = old_apps.get_model("drip_plugin", "SaleorWebhookDelivery")
    installation = OldInstallation.objects.create(saleor_api_url="https://s.test/graphql/", app_id="QXBwOjE=",
                                                  auth_token="token", jwks={"keys": [{"kid": "k1"}]},
                                                  jwks_fetched_at=timezone.now())
    OldDelivery.objects.create(installation=installation, event_type="ORDER_CREATED", body_sha256="a" * 64,
                               payload={"order": {"userEmail": "ada@example.com"}})

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = SaleorInstallation.objects.get()
    assert (moved.pk, moved.saleor_api_url, moved.app_id, moved.auth_token, moved.jwks) == (
        installation.pk, "https://s.test/graphql/", "QXBwOjE=", "token", {"keys": [{"kid": "k1"}]})
    delivery = SaleorWebhookDelivery.objects.get()
    assert (delivery.installation, delivery.event_type, delivery.payload, delivery.processed_at) == (
        moved, "ORDER_CREATED", {"order": {"userEmail": "ada@example.com"}}, None)
    assert list(moved.deliveries.all()) == [delivery]
