"""A project with drip_plugin alone: no contrib app, no host app, no Saleor
or Oscar settings (`DJANGO_SETTINGS_MODULE=tests.core_only.settings`)."""
