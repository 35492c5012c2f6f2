"""drip_plugin as a Saleor App: manifest, registration, JWS-verified webhooks.

Mount it in the host's URLconf::

    path("saleor/", include("drip_plugin.integrations.saleor.urls")),

and install the app in the Saleor dashboard from ``<site>/saleor/manifest/``.
"""
