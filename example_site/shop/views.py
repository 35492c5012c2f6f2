from django import forms
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

import drip_plugin
from drip_plugin.models import Message

from .models import PRODUCTS, Cart, CartLine, Order


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
    messages = Message.objects.select_related("enrollment__sequence").order_by("-created_at")[:50]
    return render(request, "shop/outbox.html", {"messages": messages})


@xframe_options_sameorigin
def outbox_message(request, pk: int):
    """The email as sent, read back from the file backend's folder."""
    message = get_object_or_404(Message, pk=pk)
    from email import message_from_string, policy

    from django.conf import settings

    for path in sorted(settings.EMAIL_FILE_PATH.glob("*.log"), reverse=True):
        for raw in path.read_text().split("-" * 79):
            if f"drip.{message.token}@" in raw:
                parsed = message_from_string(raw.strip(), policy=policy.default)
                html = parsed.get_body(("html",))
                return render(request, "shop/message.html", {"html": html.get_content() if html else ""})
    return redirect("outbox")
