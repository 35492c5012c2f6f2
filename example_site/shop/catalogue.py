"""The demo shop's products; pictures are the shop's own static files
(shop/static/shop/), served by the demo's server: no image from the internet."""
from decimal import Decimal

from django.templatetags.static import static

from drip_plugin.conf import drip_settings

PRODUCTS = {
    "LS-01": ("Linen shirt", Decimal("49.00"), "shop/linen-shirt.png"),
    "CT-02": ("Canvas tote", Decimal("19.00"), "shop/canvas-tote.png"),
    "EC-03": ("Espresso cups (2)", Decimal("18.00"), "shop/espresso-cups.png"),
}


def image_url(sku: str) -> str:
    """Absolute: emails are read outside the shop's pages."""
    return drip_settings.SITE_URL + static(PRODUCTS[sku][2])
