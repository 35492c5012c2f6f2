"""django-oscar: placed orders, basket additions and registrations as events.

``MAPPINGS`` is plain data (dotted paths), so a host's settings can use it
without importing Oscar or any model::

    from drip_plugin.integrations.oscar import MAPPINGS

    DRIP_PLUGIN = {"EVENT_MAPPINGS": [*MAPPINGS]}

The mappers live in ``mappers.py``; they only read the objects Oscar's
signals pass, so forked Oscar apps work as long as they keep the fields.
"""
from __future__ import annotations

_MAPPERS = "drip_plugin.integrations.oscar.mappers"

MAPPINGS: list[dict[str, str]] = [
    {"signal": "oscar.apps.order.signals.order_placed", "mapper": f"{_MAPPERS}.order_placed"},
    {"signal": "oscar.apps.basket.signals.basket_addition", "mapper": f"{_MAPPERS}.basket_addition"},
    {"signal": "oscar.apps.customer.signals.user_registered", "mapper": f"{_MAPPERS}.user_registered"},
]
