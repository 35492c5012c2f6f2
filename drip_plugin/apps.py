from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DripPluginConfig(AppConfig):
    name = "drip_plugin"
    verbose_name = "Drip campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the system checks
        from .channels.push import checks as push_checks  # noqa: F401  (the same)
        from .dates import receivers as date_receivers
        from anymail.signals import tracking

        from .analytics import conversions
        from .delivery.tracking import on_anymail_tracking
        from .engine.exits import on_event_tracked
        from . import moderation
        from .integrations import django_auth, signals as host_signals
        from .signals import event_tracked
        from .scheduling.beat import register_tick_schedule

        django_auth.connect()
        host_signals.connect()
        date_receivers.connect()
        moderation.connect()
        event_tracked.connect(on_event_tracked, dispatch_uid="drip_plugin.exit_events")
        tracking.connect(on_anymail_tracking, dispatch_uid="drip_plugin.anymail_tracking")
        event_tracked.connect(conversions.on_event_tracked, dispatch_uid="drip_plugin.conversions")
        post_migrate.connect(register_tick_schedule, sender=self, dispatch_uid="drip_plugin.beat")
