"""What the shop's events taught about its products (drip_plugin.recommendations).

Kept up to date from new events by the tick (recommendations/learn.py), so
no host product model is needed: a product is the `product_id` (or, on cart
and order lines without one, the `sku`) its events carry, shown with the
latest name, link, image and price an event gave for it.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    key = models.CharField(_("product id or SKU"), max_length=255, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    url = models.CharField(_("link"), max_length=2000, blank=True)
    image_url = models.CharField(_("image URL"), max_length=2000, blank=True)
    price = models.CharField(_("price"), max_length=32, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # log2 of the units sold, each sale's weight halving every
    # BEST_SELLERS_HALF_LIFE_DAYS (kept in log form so it never overflows);
    # None: never sold.
    popularity = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("product")
        indexes = [models.Index(fields=["popularity"], name="drip_product_popularity")]

    def __str__(self) -> str:
        return self.name or self.key


class ProductPair(models.Model):
    """How many orders held both products (stored both ways round)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "other"], name="drip_product_pair_once")]
        indexes = [models.Index(fields=["product", "-orders"], name="drip_product_pair_top")]


class ContactProduct(models.Model):
    """A contact's last view and last purchase of a product, and whether it
    is in their cart now (as their latest cart or order event left it)."""

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(null=True, blank=True)
    bought_at = models.DateTimeField(null=True, blank=True)
    in_cart = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "product"], name="drip_contact_product_once")]


class LearningCursor(models.Model):
    """How far a learner has read the event log (the last Event id it learned)."""

    name = models.CharField(max_length=50, primary_key=True)
    event_id = models.BigIntegerField(default=0)
