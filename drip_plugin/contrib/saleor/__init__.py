"""drip_plugin as a Saleor App: manifest, registration, JWS-verified webhooks.

Add ``"drip_plugin.contrib.saleor"`` to INSTALLED_APPS (after
``"drip_plugin"``), mount it in the host's URLconf::

    path("saleor/", include("drip_plugin.contrib.saleor.urls")),

and install the app in the Saleor dashboard from ``<site>/saleor/manifest/``.
"""
