"""The demo shop's own cart and orders: drip_plugin learns about them only
through EVENT_MAPPINGS (see shop/drip.py), as it would in any store."""
import uuid
from decimal import Decimal

from django.db import models


class Cart(models.Model):
    token = models.UUIDField(default=uuid.uuid4, unique=True)
    email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines.all()), Decimal("0"))


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    quantity = models.PositiveIntegerField(default=1)


class Order(models.Model):
    cart = models.OneToOneField(Cart, on_delete=models.PROTECT, related_name="order")
    email = models.EmailField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
