"""Which products each recipient of a batch is shown, read in four queries
for the whole batch whatever its size (drip_plugin.rendering.messages)."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from ..models import ContactProduct, Product, ProductPair
from ..rendering.sandbox import MergeData, freeze
from .strategies import AUTOMATIC, AUTOMATIC_ORDER, BEST_SELLERS, BOUGHT_TOGETHER, RECENTLY_VIEWED

# The most products one strategy gives a recipient (templates slice fewer).
MAX_COUNT = 6
# A contact's products that seed "bought together": the cart's, then the
# latest bought, then the latest viewed.
SEEDS = 10
# Partners read per seed product, the most often bought with it first.
PARTNERS_PER_SEED = 4 * MAX_COUNT
DISPLAY = ("key", "name", "url", "image_url", "price", "currency")


class ContactProducts:
    """One contact's learned products, as ids."""

    def __init__(self) -> None:
        self.cart: list[int] = []
        self.bought: list[tuple] = []  # (bought_at, product)
        self.viewed: list[tuple] = []

    def add(self, product: int, viewed_at, bought_at, in_cart: bool) -> None:
        if in_cart:
            self.cart.append(product)
        if bought_at is not None:
            self.bought.append((bought_at, product))
        if viewed_at is not None:
            self.viewed.append((viewed_at, product))

    @property
    def excluded(self) -> set[int]:
        """Never recommended to this contact: what they bought or have in the cart."""
        return {*self.cart, *(product for _, product in self.bought)}

    def recently_viewed(self) -> list[int]:
        excluded = self.excluded
        return [p for _, p in sorted(self.viewed, key=lambda row: (row[0], row[1]), reverse=True)
                if p not in excluded][:MAX_COUNT]

    def seeds(self) -> list[int]:
        latest = [p for _, p in sorted(self.bought + self.viewed, key=lambda row: (row[0], row[1]), reverse=True)]
        return list(dict.fromkeys([*sorted(self.cart), *latest]))[:SEEDS]


class BatchRecommendations:
    """Recommendations for every contact of a batch; `for_contact()` gives
    one contact's, per strategy."""

    def __init__(self, contact_ids: Iterable[int]):
        self.contacts: dict[int, ContactProducts] = defaultdict(ContactProducts)
        for contact, product, viewed_at, bought_at, in_cart in ContactProduct.objects.filter(
                contact_id__in=sorted(set(contact_ids))).values_list(
                "contact_id", "product_id", "viewed_at", "bought_at", "in_cart"):
            self.contacts[contact].add(product, viewed_at, bought_at, in_cart)
        self.partners = self._partners({seed for c in self.contacts.values() for seed in c.seeds()})
        most_excluded = max((len(c.excluded) for c in self.contacts.values()), default=0)
        self.best_sellers = list(
            Product.objects.filter(popularity__isnull=False).exclude(name="").exclude(url="")
            .order_by("-popularity", "pk").values_list("pk", flat=True)[:MAX_COUNT + most_excluded])
        wanted = {*self.best_sellers, *(p for partners in self.partners.values() for p, _ in partners),
                  *(p for c in self.contacts.values() for p in c.recently_viewed())}
        self.products = {row["id"]: freeze({"id": row["key"], **{name: row[name] for name in DISPLAY[1:]}})
                         for row in Product.objects.filter(pk__in=sorted(wanted)).exclude(name="").exclude(url="")
                         .values("id", *DISPLAY)} if wanted else {}
        self._cache: dict[int, MergeData] = {}

    @staticmethod
    def _partners(seeds: set[int]) -> dict[int, list[tuple[int, int]]]:
        """seed → [(product, orders holding both)], the most often first."""
        partners: dict[int, list[tuple[int, int]]] = defaultdict(list)
        if not seeds:
            return partners
        ranked = (ProductPair.objects.filter(product_id__in=sorted(seeds))
                  .annotate(rank=Window(RowNumber(), partition_by=[F("product_id")],
                                        order_by=[F("orders").desc(), F("other_id").asc()]))
                  .filter(rank__lte=PARTNERS_PER_SEED).values_list("product_id", "other_id", "orders"))
        for seed, other, orders in ranked:
            partners[seed].append((other, orders))
        return partners

    def _bought_together(self, contact: ContactProducts) -> list[int]:
        scores: Counter = Counter()
        seeds = contact.seeds()
        for seed in seeds:
            for other, orders in self.partners.get(seed, ()):
                scores[other] += orders
        excluded = contact.excluded | set(seeds)
        return [p for p, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0])) if p not in excluded]

    def ids_for(self, contact_id: int) -> dict[str, list[int]]:
        contact = self.contacts.get(contact_id) or ContactProducts()
        excluded = contact.excluded
        chosen = {
            BOUGHT_TOGETHER: self._bought_together(contact),
            RECENTLY_VIEWED: contact.recently_viewed(),
            BEST_SELLERS: [p for p in self.best_sellers if p not in excluded],
        }
        chosen = {name: [p for p in ids if p in self.products][:MAX_COUNT] for name, ids in chosen.items()}
        chosen[AUTOMATIC] = list(dict.fromkeys(p for name in AUTOMATIC_ORDER for p in chosen[name]))[:MAX_COUNT]
        return chosen

    def for_contact(self, contact_id: int) -> MergeData:
        """{strategy: (product, …)} as templates see them: each product's
        id, name, url, image_url, price and currency."""
        if contact_id not in self._cache:
            self._cache[contact_id] = MergeData({name: tuple(self.products[p] for p in ids)
                                                 for name, ids in self.ids_for(contact_id).items()})
        return self._cache[contact_id]
