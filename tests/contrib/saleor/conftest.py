from __future__ import annotations

import pytest

from .fake_saleor import FakeSaleor


@pytest.fixture
def fake_saleor(settings):
    saleor = FakeSaleor()
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SALEOR_ALLOWED_API_URLS": [saleor.api_url]}
    yield saleor
    saleor.close()


@pytest.fixture
def installed_saleor(db, client, fake_saleor):
    assert fake_saleor.register(client).status_code == 200
    return fake_saleor
