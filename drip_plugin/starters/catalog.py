"""The starter sequences editors can begin from: plain data, no database.

Each email's body is a file of MJML sections in
templates/drip_plugin/starters/, wrapped in a shared layout that carries the
unsubscribe footer, so every starter email has it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

MJML_DIR = Path(__file__).resolve().parent.parent / "templates" / "drip_plugin" / "starters"


@dataclass(frozen=True)
class StarterEmail:
    name: str
    subject: str
    preview: str
    body: str  # file name (without .mjml) in MJML_DIR

    @property
    def mjml(self) -> str:
        return (_layout().replace("[[ preview ]]", self.preview)
                .replace("[[ sections ]]", (MJML_DIR / f"{self.body}.mjml").read_text(encoding="utf-8").rstrip("\n")))

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
        key="welcome", name="Welcome series", trigger_event="signed_up",
        description="Three emails after signup: welcome at once, tips after 2 days, best sellers after 5.",
        steps=(
            StarterStep(StarterEmail("Welcome #1", "Welcome, {{ contact.first_name|default:\"friend\" }}!",
                                     "Your account is ready", "welcome_1")),
            StarterStep(StarterEmail("Welcome #2: tips", "Getting the most out of your account",
                                     "Three things our regulars love", "welcome_2"), 2),
            StarterStep(StarterEmail("Welcome #3: best sellers", "Need a hand choosing?",
                                     "Our best sellers are a good start", "welcome_3"), 3),
        ),
        options={"reentry": "once"},
    ),
    Starter(
        key="cart_abandonment", name="Cart abandonment", trigger_event="checkout_updated",
        description="One journey per cart: a reminder with the cart's lines after 1 hour, a nudge after "
                    "1 day; ends when the order is completed or the cart is emptied. A cart update within "
                    "30 minutes restarts the wait.",
        steps=(
            StarterStep(StarterEmail("Cart abandonment #1", "You left something in your cart",
                                     "{{ event.cart.lines|length }} items are waiting for you", "cart_1"),
                        1, "hours"),
            StarterStep(StarterEmail("Cart abandonment #2", "Your cart is still saved",
                                     "We can't hold it for long", "cart_2"), 23, "hours"),
        ),
        options={"journey_per": "checkout_id", "exit_events": "order_completed", "debounce_minutes": 30,
                 # Checked against the cart's latest update before each email: an emptied
                 # cart ends the journey instead of mailing lines the customer took out.
                 "flow_filters": [{"type": "field",
                                   "value": {"field": "event.cart.lines", "operator": "is_set", "value": ""}}]},
    ),
    Starter(
        key="order_review", name="Order confirmation → review request", trigger_event="order_completed",
        description="One journey per order: the confirmation at once, a review request 14 days later. Not "
                    "transactional because of the review request: unsubscribed contacts get neither.",
        steps=(
            StarterStep(StarterEmail("Order confirmation", "Order {{ order.number }} is confirmed",
                                     "Thank you for your order", "order_confirmation")),
            StarterStep(StarterEmail("Review request", "How was order {{ order.number }}?",
                                     "Your review helps other shoppers", "review_request"), 14),
        ),
        # A cancelled order gets no review request.
        options={"journey_per": "order_id", "exit_events": "order_cancelled"},
    ),
    Starter(
        key="renewal_reminder", name="Renewal reminder", trigger_event="renewal_due",
        description="At every renewal_due (RENEWAL_REMINDER_DAYS before a subscription renews): a reminder "
                    "with the plan and date.",
        steps=(
            StarterStep(StarterEmail("Renewal reminder", "Your {{ subscription.plan }} renews soon",
                                     "Renews on {{ subscription.renews_at|slice:\":10\" }}", "renewal_reminder")),
        ),
        options={"journey_per": "subscription_id"},
    ),
    Starter(
        key="winback", name="Win-back", trigger_event="winback_due",
        description="At winback_due (WINBACK_DAYS after the last order): a 'we miss you' email, then a "
                    "discount code a week later; a new order ends the journey.",
        steps=(
            StarterStep(StarterEmail("Win-back #1", "We miss you, {{ contact.first_name|default:\"friend\" }}",
                                     "Here is what is new", "winback_1")),
            StarterStep(StarterEmail("Win-back #2: discount", "10% off your next order",
                                     "A code just for you", "winback_2"), 7),
        ),
        options={"exit_events": "order_completed"},
    ),
    Starter(
        key="birthday", name="Birthday", trigger_event="birthday",
        description="On each contact's birthday (Contact.birthday, at DATE_EVENTS_TIME in their time zone): "
                    "a greeting with a discount code.",
        steps=(
            StarterStep(StarterEmail("Birthday", "Happy birthday, {{ contact.first_name|default:\"friend\" }}!",
                                     "A small present from us", "birthday")),
        ),
    ),
)


def get_starter(key: str) -> Starter | None:
    return next((s for s in STARTERS if s.key == key), None)
