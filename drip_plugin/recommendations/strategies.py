"""The strategies an email may show products by (plain names: the products
block imports them while the models load)."""
from __future__ import annotations

BOUGHT_TOGETHER, RECENTLY_VIEWED, BEST_SELLERS, AUTOMATIC = (
    "bought_together", "recently_viewed", "best_sellers", "automatic")
# Automatic fills its places from these, in this order.
AUTOMATIC_ORDER = (BOUGHT_TOGETHER, RECENTLY_VIEWED, BEST_SELLERS)
STRATEGIES = (AUTOMATIC, *AUTOMATIC_ORDER)
