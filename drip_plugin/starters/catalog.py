"""The starter sequences editors can begin from: plain data, no database.

Each email's body is a file of MJML sections in
templates/drip_plugin/starters/<language>/, wrapped in a shared layout that
carries the unsubscribe footer, so every starter email has it. Names,
subjects and previews are in the translation catalogue.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..models.layouts import footer

MJML_DIR = Path(__file__).resolve().parent.parent / "templates" / "drip_plugin" / "starters"
# The languages starters are written in; another language gets English.
LANGUAGES = ("en", "fr")


def starter_language(language: str | None) -> str:
    """`language` ('fr-ca' → 'fr') if starters are written in it, else English."""
    base = (language or "").lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else "en"


@dataclass(frozen=True)
class StarterEmail:
    name: str
    subject: str
    preview: str
    body: str  # file name (without .mjml) in MJML_DIR/<language>/

    def mjml_in(self, language: str) -> str:
        language = starter_language(language)
        with translation.override(language):
            preview = str(self.preview)
        sections = (MJML_DIR / language / f"{self.body}.mjml").read_text(encoding="utf-8").rstrip("\n")
        return (_layout().replace("[[ preview ]]", preview).replace("[[ sections ]]", sections)
                .replace("[[ footer ]]", footer(language)))

    def subject_in(self, language: str) -> str:
        with translation.override(starter_language(language)):
            return str(self.subject)

    @property
    def mjml(self) -> str:
        """In the active language."""
        return self.mjml_in(translation.get_language())

    def mjml_source(self) -> str:
        """As Email.mjml_source(): starters are raw MJML, so they render before they are saved."""
        return self.mjml


@dataclass(frozen=True)
class StarterStep:
    email: StarterEmail
    delay_amount: int = 0
    delay_unit: str = "days"


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    trigger_event: str
    steps: tuple[StarterStep, ...]
    # Further Sequence fields (journey_per, exit_events …), as stored.
    options: dict = field(default_factory=dict)


@functools.cache
def _layout() -> str:
    return (MJML_DIR / "_layout.mjml").read_text(encoding="utf-8")


STARTERS: tuple[Starter, ...] = (
    Starter(
        key="welcome", name=_("Welcome series"), trigger_event="signed_up",
        description=_("Three emails after signup: welcome at once, tips after 2 days, best sellers after 5."),
        steps=(
            StarterStep(StarterEmail(_("Welcome #1"), _("Welcome, {{ contact.first_name|default:\"friend\" }}!"),
                                     _("Your account is ready"), "welcome_1")),
            StarterStep(StarterEmail(_("Welcome #2: tips"), _("Getting the most out of your account"),
                                     _("Three things our regulars love"), "welcome_2"), 2),
            StarterStep(StarterEmail(_("Welcome #3: best sellers"), _("Need a hand choosing?"),
                                     _("Our best sellers are a good start"), "welcome_3"), 3),
        ),
        options={"reentry": "once"},
    ),
    Starter(
        key="cart_abandonment", name=_("Cart abandonment"), trigger_event="checkout_updated",
        description=_("One journey per cart: a reminder with the cart's lines after 1 hour, a nudge after "
                      "1 day; ends when the order is completed or the cart is emptied. A cart update within "
                      "30 minutes restarts the wait."),
        steps=(
            StarterStep(StarterEmail(_("Cart abandonment #1"), _("You left something in your cart"),
                                     _("{{ event.cart.lines|length }} items are waiting for you"), "cart_1"),
                        1, "hours"),
            StarterStep(StarterEmail(_("Cart abandonment #2"), _("Your cart is still saved"),
                                     _("We can't hold it for long"), "cart_2"), 23, "hours"),
        ),
        options={"journey_per": "checkout_id", "exit_events": "order_completed", "debounce_minutes": 30,
                 # Checked against the cart's latest update before each email: an emptied
                 # cart ends the journey instead of mailing lines the customer took out.
                 "flow_filters": [{"type": "field",
                                   "value": {"field": "event.cart.lines", "operator": "is_set", "value": ""}}]},
    ),
    Starter(
        key="browse_abandonment", name=_("Browse abandonment"), trigger_event="product_viewed",
        description=_("Two hours after a customer looked at products without adding any to a cart: the "
                      "products they viewed and what is often bought with them. A cart or an order ends the "
                      "journey; another view within 30 minutes restarts the wait; at most once a week."),
        steps=(
            StarterStep(StarterEmail(_("Browse abandonment"), _("Still thinking it over?"),
                                     _("What you were looking at is still here"), "browse_1"), 2, "hours"),
        ),
        options={"exit_events": "checkout_started,checkout_updated,order_completed", "debounce_minutes": 30,
                 "reentry": "per_days", "reentry_days": 7},
    ),
    Starter(
        key="order_review", name=_("Order confirmation → review request"), trigger_event="order_completed",
        description=_("One journey per order: the confirmation at once, a review request 14 days later. Not "
                      "transactional because of the review request: unsubscribed contacts get neither."),
        steps=(
            StarterStep(StarterEmail(_("Order confirmation"), _("Order {{ order.number }} is confirmed"),
                                     _("Thank you for your order"), "order_confirmation")),
            StarterStep(StarterEmail(_("Review request"), _("How was order {{ order.number }}?"),
                                     _("Your review helps other shoppers"), "review_request"), 14),
        ),
        # A cancelled order gets no review request.
        options={"journey_per": "order_id", "exit_events": "order_cancelled"},
    ),
    Starter(
        key="renewal_reminder", name=_("Renewal reminder"), trigger_event="renewal_due",
        description=_("At every renewal_due (RENEWAL_REMINDER_DAYS before a subscription renews): a reminder "
                      "with the plan and date."),
        steps=(
            StarterStep(StarterEmail(_("Renewal reminder"), _("Your {{ subscription.plan }} renews soon"),
                                     _("Renews on {{ subscription.renews_at|local_date }}"), "renewal_reminder")),
        ),
        options={"journey_per": "subscription_id"},
    ),
    Starter(
        key="winback", name=_("Win-back"), trigger_event="winback_due",
        description=_("At winback_due (WINBACK_DAYS after the last order): a 'we miss you' email, then a "
                      "discount code a week later; a new order ends the journey."),
        steps=(
            StarterStep(StarterEmail(_("Win-back #1"), _("We miss you, {{ contact.first_name|default:\"friend\" }}"),
                                     _("Here is what is new"), "winback_1")),
            StarterStep(StarterEmail(_("Win-back #2: discount"),
                                     # xgettext:no-python-format
                                     _("10% off your next order"),
                                     _("A code just for you"), "winback_2"), 7),
        ),
        options={"exit_events": "order_completed"},
    ),
    Starter(
        key="birthday", name=_("Birthday"), trigger_event="birthday",
        description=_("On each contact's birthday (Contact.birthday, at DATE_EVENTS_TIME in their time zone): "
                      "a greeting with a discount code."),
        steps=(
            StarterStep(StarterEmail(_("Birthday"), _("Happy birthday, {{ contact.first_name|default:\"friend\" }}!"),
                                     _("A small present from us"), "birthday")),
        ),
    ),
)


def get_starter(key: str) -> Starter | None:
    return next((s for s in STARTERS if s.key == key), None)
