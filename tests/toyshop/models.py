"""A toy host shop, standing in for a store's own models in mapping tests."""
from django.db import models
from django.dispatch import Signal

cart_abandoned_by_host = Signal()
refund_issued_by_host = Signal()


class ToyOrder(models.Model):
    email = models.EmailField()
    number = models.CharField(max_length=20)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.BooleanField(default=False)

    class Meta:
        app_label = "toyshop"
