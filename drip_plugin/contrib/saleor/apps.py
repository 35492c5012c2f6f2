from django.apps import AppConfig


class DripSaleorConfig(AppConfig):
    name = "drip_plugin.contrib.saleor"
    label = "drip_saleor"
    verbose_name = "Drip campaigns: Saleor App"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers them
        from ...extensions import register_eraser, register_tick_step
        from .processing import erase_payloads_of, process_pending_deliveries

        register_tick_step("saleor.pending_deliveries", process_pending_deliveries)
        register_eraser("saleor.webhook_payloads", erase_payloads_of)
