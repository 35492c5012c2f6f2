from django.apps import AppConfig


class ToyshopConfig(AppConfig):
    name = "tests.toyshop"
    label = "toyshop"
    default_auto_field = "django.db.models.BigAutoField"
