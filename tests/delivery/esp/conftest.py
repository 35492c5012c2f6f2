import pytest


@pytest.fixture
def esp(request, settings):
    """Start the fake ESP named by the test's parameter and route drip mail to it."""
    fake_class, backend, anymail_settings = request.param
    with fake_class() as fake:
        settings.ANYMAIL = anymail_settings(fake.url)
        settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": backend,
                                "UNSUBSCRIBE_MAILTO": "unsubscribe@shop.test"}
        yield fake
