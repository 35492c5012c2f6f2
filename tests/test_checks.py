"""Issue 3: settings read in one place, misconfiguration reported by system checks."""
from __future__ import annotations

from django.core.checks import WARNING

from drip_plugin.checks import check_celery_broker, check_settings
from drip_plugin.conf import drip_settings


def ids(problems):
    return sorted(p.id for p in problems)


def test_checks_pass_with_the_test_settings():
    assert check_settings() == []


def test_checks_unknown_key_is_an_error_with_the_known_keys_as_hint(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "FROM_MAIL": "x@y.z"}
    problems = check_settings()
    assert ids(problems) == ["drip_plugin.E002"]
    assert "FROM_MAIL" in problems[0].msg and "FROM_EMAIL" in problems[0].hint


def test_checks_bad_time_zone_and_bad_numbers(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "DEFAULT_TIME_ZONE": "Mars/Olympus", "TICK_INTERVAL": 0,
                            "BATCH_SIZE": "many", "SEND_CONNECTIONS": 0}
    problems = check_settings()
    assert ids(problems) == ["drip_plugin.E003", "drip_plugin.E004", "drip_plugin.E004", "drip_plugin.E004"]
    assert "SEND_CONNECTIONS" in problems[-1].msg


def test_checks_missing_or_unimportable_email_backend(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "no.such.Backend"}
    assert ids(check_settings()) == ["drip_plugin.E006"]
    settings.DRIP_PLUGIN = {"POSTAL_ADDRESS": "x"}
    settings.EMAIL_BACKEND = ""
    assert "drip_plugin.E005" in ids(check_settings())


def test_checks_placeholder_sender_and_missing_celery_beat(settings, monkeypatch):
    from django.apps import apps

    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    # Changing INSTALLED_APPS would reload the whole app registry; the check
    # only asks the registry this one question.
    is_installed = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "django_celery_beat" and is_installed(name))
    assert ids(check_settings()) == ["drip_plugin.W001", "drip_plugin.W002"]


def test_settings_defaults_and_override_are_read_through_one_object(settings):
    assert drip_settings.BATCH_SIZE == 500
    settings.DRIP_PLUGIN = {"BATCH_SIZE": 7, "FROM_EMAIL": "Drip <d@shop.test>"}
    assert drip_settings.BATCH_SIZE == 7
    assert drip_settings.from_email == "Drip <d@shop.test>"


def test_checks_missing_postal_address_is_an_error(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "POSTAL_ADDRESS": " "}
    problems = check_settings()
    assert ids(problems) == ["drip_plugin.E007"] and "POSTAL_ADDRESS" in problems[0].hint


def test_checks_drip_plugin_not_a_dict_is_reported_not_a_crash(settings):
    settings.DRIP_PLUGIN = [("POSTAL_ADDRESS", "x")]
    assert ids(check_settings()) == ["drip_plugin.E001"]
    assert drip_settings.BATCH_SIZE == 500, "the defaults hold meanwhile"


def test_checks_frequency_cap_needs_a_positive_count_and_days(settings):
    for cap in ({"count": 2}, {"count": "x", "days": 7}, {"count": 2, "days": 0}, {"count": 2, "days": 7, "x": 1}, 2):
        settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "FREQUENCY_CAP": cap}
        problems = check_settings()
        assert ids(problems) == ["drip_plugin.E008"], cap
        assert '{"count": 2, "days": 7}' in problems[0].hint
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "FREQUENCY_CAP": {"count": 2, "days": 7}}
    assert check_settings() == []


def test_checks_email_backend_that_cannot_be_set_up_is_an_error(settings):
    # anymail's Postmark backend imports fine, but without its server token it would fail every send.
    settings.ANYMAIL = {}
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend"}
    problems = check_settings()
    assert ids(problems) == ["drip_plugin.E009"]
    assert "POSTMARK_SERVER_TOKEN" in problems[0].msg
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token"}
    assert check_settings() == []


def test_checks_site_url_must_be_absolute_and_not_this_machine_in_production(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SITE_URL": "shop.example/"}
    assert ids(check_settings()) == ["drip_plugin.E010"]
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SITE_URL": "http://127.0.0.1:8000"}
    settings.DEBUG = False
    assert ids(check_settings()) == ["drip_plugin.W003"]
    settings.DEBUG = True
    assert check_settings() == []


def test_check_redis_broker_without_drip_transport_warns_with_the_fix(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT = None
    (problem,) = check_celery_broker()
    assert problem.id == "drip_plugin.W080" and problem.level == WARNING
    assert 'CELERY_BROKER_TRANSPORT = "drip_plugin.redis_broker:Transport"' in problem.hint
    settings.CELERY_BROKER_URL = "amqp://guest@rabbit//; rediss://cache:6380/0"  # a Redis failover URL counts too
    settings.CELERY_BROKER_TRANSPORT = "redis"
    assert ids(check_celery_broker()) == ["drip_plugin.W080"]


def test_check_redis_broker_with_drip_transport_or_another_broker_is_silent(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT = "drip_plugin.redis_broker:Transport"
    assert check_celery_broker() == []
    for url in ("filesystem://", "amqp://guest@localhost//", "memory://", None):
        settings.CELERY_BROKER_URL = url
        settings.CELERY_BROKER_TRANSPORT = None
        assert check_celery_broker() == [], url
