"""Seed the demo: an admin account, a published Welcome sequence and a
published Cart abandonment sequence."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from wagtail.models import Locale

from drip_plugin.models import Email, PushNotification, Sequence, Step
from drip_plugin.models.sequences import StepKind

FOOTER = """<mj-section><mj-column>
      <mj-text font-size="12px" color="#666666" align="center">{{ sender.postal_address }}<br />
        <a href="{{ links.unsubscribe }}">Unsubscribe</a> · <a href="{{ links.preferences }}">Email preferences</a></mj-text>
    </mj-column></mj-section>"""

# The store's header and font, as on the shop's pages: a system font stack
# (no web font is loaded).
HEAD = """<mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>"""
HEADER = """<mj-section background-color="#1f6feb"><mj-column>
      <mj-text color="#ffffff" font-size="22px" font-weight="bold">Demo Store</mj-text>
    </mj-column></mj-section>"""

WELCOME = """<mjml>
  <mj-head>
    <mj-title>Welcome to Demo Store</mj-title>
    <mj-preview>Your account is ready, {{ contact.first_name }}</mj-preview>
    HEAD
  </mj-head>
  <mj-body background-color="#f4f4f7">
    HEADER
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="18px">Hi {{ contact.first_name|default:"there" }},</mj-text>
      <mj-text>Thanks for joining Demo Store. Your account is ready: browse the new season,
        save favourites and check out in two clicks.</mj-text>
      <mj-button background-color="#1f6feb" href="http://127.0.0.1:8000/">Start shopping</mj-button>
    </mj-column></mj-section>
    FOOTER
  </mj-body>
</mjml>""".replace("HEAD", HEAD, 1).replace("HEADER", HEADER).replace("FOOTER", FOOTER)

WELCOME_FR = (
    WELCOME
    .replace("""Thanks for joining Demo Store. Your account is ready: browse the new season,
        save favourites and check out in two clicks.""",
             """Merci d'avoir rejoint Demo Store. Votre compte est prêt : découvrez la nouvelle saison,
        gardez vos favoris et commandez en deux clics.""")
    .replace("Welcome to Demo Store", "Bienvenue chez Demo Store")
    .replace("Your account is ready", "Votre compte est prêt")
    .replace('{{ contact.first_name|default:"there" }}', '{{ contact.first_name|default:"à vous" }}')
    .replace("Hi ", "Bonjour ")
    .replace("Start shopping", "Commencer mes achats")
)

TIPS = """<mjml>
  <mj-head><mj-preview>Three things our regulars love</mj-preview></mj-head>
  <mj-body background-color="#f4f4f7">
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="18px">{{ contact.first_name|default:"Hello" }}, a few tips</mj-text>
      <mj-text>Free delivery from 40&nbsp;€, returns within 30 days, and early access to sales for members.</mj-text>
      <mj-button background-color="#1f6feb" href="http://127.0.0.1:8000/">See what's new</mj-button>
    </mj-column></mj-section>
    FOOTER
  </mj-body>
</mjml>""".replace("FOOTER", FOOTER)



CART = """<mjml>
  <mj-head><mj-preview>Your cart is saved: {{ cart.lines|length }} item{{ cart.lines|length|pluralize }}</mj-preview>
    HEAD</mj-head>
  <mj-body background-color="#f4f4f7">
    HEADER
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="18px">{{ contact.first_name|default:"Hello" }}, you left these behind</mj-text>
    </mj-column></mj-section>
    {% for line in cart.lines %}<mj-section background-color="#ffffff">
      <mj-column width="25%"><mj-image width="80px" src="{{ line.image_url }}" alt="{{ line.name }}" /></mj-column>
      <mj-column width="75%"><mj-text>{{ line.quantity }} × {{ line.name }}<br />{{ line.unit_price|money:cart.currency }}</mj-text></mj-column>
    </mj-section>{% endfor %}
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-weight="bold">Total {{ cart.total|money:cart.currency }}</mj-text>
      <mj-button background-color="#1f6feb" href="{{ cart.restore_url }}">Back to your cart</mj-button>
    </mj-column></mj-section>
    FOOTER
  </mj-body>
</mjml>""".replace("HEAD", HEAD, 1).replace("HEADER", HEADER).replace("FOOTER", FOOTER)


CART_PUSH_TITLE = "{{ contact.first_name|default:'Hello' }}, your cart is waiting"
CART_PUSH_BODY = "{{ cart.lines|length }} item{{ cart.lines|length|pluralize }}, {{ cart.total|money:cart.currency }}: back to your cart?"


def publish(obj):
    """Save as a draft, then publish through a revision, as an editor would."""
    obj.live = False
    obj.save()
    obj.save_revision().publish()
    return obj


class Command(BaseCommand):
    help = "Create the demo admin (admin/admin) and a published Welcome sequence, once."

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@demo-store.example", "admin")
        if not Sequence.objects.filter(name="Welcome").exists():
            self.seed_welcome()
        if not Sequence.objects.filter(name="Cart abandonment").exists():
            self.seed_cart_abandonment()
        self.seed_french_welcome()

    def seed_welcome(self):
        welcome = publish(Email(name="Welcome #1", subject="Welcome, {{ contact.first_name }}!", mjml=WELCOME))
        tips = publish(Email(name="Welcome #2: tips", subject="Getting the most out of Demo Store", mjml=TIPS))
        sequence = Sequence(name="Welcome", trigger_event="signed_up", description="Sent after signup.")
        sequence.steps = [
            Step(sort_order=0, delay_amount=0, delay_unit="days", email=welcome),
            Step(sort_order=1, delay_amount=2, delay_unit="days", email=tips),
        ]
        publish(sequence)
        self.stdout.write("Seeded the published Welcome sequence.")

    def seed_french_welcome(self):
        """Contacts whose locale is French get this translation of Welcome #1
        (Wagtail i18n); added on its own so demos seeded before it get it too."""
        french_locale, _ = Locale.objects.get_or_create(language_code="fr")
        welcome = Email.objects.filter(name="Welcome #1").exclude(locale=french_locale).order_by("pk").first()
        if welcome is None or welcome.has_translation(french_locale):
            return
        french = welcome.copy_for_translation(french_locale)
        french.subject, french.mjml = "Bienvenue, {{ contact.first_name }} !", WELCOME_FR
        publish(french)
        self.stdout.write("Seeded the French translation of Welcome #1.")

    def seed_cart_abandonment(self):
        first = publish(Email(name="Cart #1", subject="You left {{ cart.lines|length }} item{{ cart.lines|length|pluralize }} in your cart", mjml=CART))
        second = publish(Email(name="Cart #2", subject="Still thinking it over?", mjml=CART))
        push = publish(PushNotification(name="Cart push", title=CART_PUSH_TITLE, body=CART_PUSH_BODY,
                                        url="{{ cart.restore_url }}", icon="/static/shop/canvas-tote.png"))
        sequence = Sequence(
            name="Cart abandonment", trigger_event="checkout_updated", journey_per="checkout_id",
            exit_events="order_completed", debounce_minutes=1,
            description="Short delays so the demo shows it; a real shop waits 1 hour and 1 day.",
        )
        sequence.steps = [
            # A browser notification for shoppers who turned them on (the cart
            # page's button), Cart #1 by email for the others.
            Step(sort_order=0, delay_amount=2, delay_unit="minutes", kind=StepKind.PUSH, push=push, email=first,
                 fallback="email"),
            Step(sort_order=1, delay_amount=10, delay_unit="minutes", email=second),
        ]
        publish(sequence)
        self.stdout.write("Seeded the published Cart abandonment sequence.")
