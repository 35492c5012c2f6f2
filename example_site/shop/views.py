import uuid

from django import forms
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

import drip_plugin
from drip_plugin.models import Message

from .catalogue import PRODUCTS
from .models import Cart, CartLine, Order
from .outbox import read_eml, sent_emails, without_open_pixel


class SignupForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    newsletter = forms.BooleanField(required=False, label="Send me offers and news by email (you can unsubscribe at any time)")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username=email).exists():
            raise forms.ValidationError("This email already has an account.")
        return email


def home(request):
    return render(request, "shop/home.html", {"form": SignupForm(), "products": PRODUCTS.items()})


def current_cart(request) -> Cart | None:
    return Cart.objects.filter(token=request.session.get("cart"), order__isnull=True).first()


def add_to_cart(request, sku: str):
    if request.method != "POST" or sku not in PRODUCTS:
        return redirect("home")
    cart = current_cart(request) or Cart.objects.create()
    request.session["cart"] = str(cart.token)
    name, price, _ = PRODUCTS[sku]
    line, created = CartLine.objects.get_or_create(cart=cart, sku=sku, defaults={"name": name, "unit_price": price})
    if not created:
        line.quantity += 1
        line.save()
    email = request.POST.get("email", "").strip().lower() or getattr(request.user, "email", "")
    cart.email = email or cart.email
    cart.save()  # the shop's mapper turns this save into checkout_updated
    return redirect("cart")


def cart_view(request):
    cart = current_cart(request)
    if request.method == "POST" and cart is not None and cart.email:
        Order.objects.create(cart=cart, email=cart.email, total=cart.total)  # → order_completed
        request.session.pop("cart", None)
        return render(request, "shop/cart.html", {"ordered": True})
    return render(request, "shop/cart.html", {"cart": cart})


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Creating the user is all the shop does: drip_plugin's auth
            # integration turns it into a `signed_up` event.
            user = get_user_model().objects.create_user(
                username=form.cleaned_data["email"],
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
            )
            if form.cleaned_data["newsletter"]:
                # Evidence of what the customer agreed to, and the wording they saw.
                drip_plugin.record_consent(user=user, source="signup form", wording_version="demo-newsletter-v1")
        login(request, user)
        return render(request, "shop/welcome.html", {"user": user})
    return render(request, "shop/home.html", {"form": form})


def outbox(request):
    emails = sent_emails()
    statuses = dict(Message.objects.filter(token__in=[e.drip_token for e in emails if e.drip_token])
                    .values_list("token", "status"))
    # A test send is no drip Message: it has no row, hence no status.
    rows = [(email, statuses.get(uuid.UUID(email.drip_token)) if email.drip_token else None) for email in emails]
    rows = [(email, status or "test send") for email, status in rows]
    return render(request, "shop/outbox.html", {"rows": rows})


@xframe_options_sameorigin
def outbox_message(request, name: str):
    """The email as sent, read back from its .eml file, without its open pixel."""
    message = read_eml(name)
    if message is None:
        return redirect("outbox")
    html = message.get_body(("html",))
    return render(request, "shop/message.html", {"html": without_open_pixel(html.get_content()) if html else "",
                                                 "name": name})
