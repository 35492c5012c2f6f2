"""The strategies an email may show products by (plain names: the products
block imports them while the models load)."""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

BOUGHT_TOGETHER, RECENTLY_VIEWED, BEST_SELLERS, AUTOMATIC = (
    "bought_together", "recently_viewed", "best_sellers", "automatic")
# Automatic fills its places from these, in this order.
AUTOMATIC_ORDER = (BOUGHT_TOGETHER, RECENTLY_VIEWED, BEST_SELLERS)
STRATEGIES = (AUTOMATIC, *AUTOMATIC_ORDER)
LABELS = {AUTOMATIC: _("automatic"), BOUGHT_TOGETHER: _("bought together"), RECENTLY_VIEWED: _("recently viewed"),
          BEST_SELLERS: _("best sellers")}
_READ = re.compile(r"recommendations\.(%s)\b" % "|".join(STRATEGIES))


def strategies_in(template: str) -> list[str]:
    """The strategies `template` shows products by, in the order it first names them."""
    return list(dict.fromkeys(_READ.findall(template)))
