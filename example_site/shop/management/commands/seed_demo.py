"""Seed the demo: an admin account and a published two-step Welcome sequence."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from drip_plugin.models import Email, Sequence, Step

WELCOME = """<mjml>
  <mj-head>
    <mj-title>Welcome to Demo Store</mj-title>
    <mj-preview>Your account is ready, {{ contact.first_name }}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f4f7">
    <mj-section background-color="#1f6feb"><mj-column>
      <mj-text color="#ffffff" font-size="22px" font-weight="bold">Demo Store</mj-text>
    </mj-column></mj-section>
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="18px">Hi {{ contact.first_name|default:"there" }},</mj-text>
      <mj-text>Thanks for joining Demo Store. Your account is ready: browse the new season,
        save favourites and check out in two clicks.</mj-text>
      <mj-button background-color="#1f6feb" href="http://127.0.0.1:8000/">Start shopping</mj-button>
    </mj-column></mj-section>
    <mj-section><mj-column>
      <mj-text font-size="12px" color="#777777" align="center">{{ sender.postal_address }}<br />
        <a href="{{ links.unsubscribe }}">Unsubscribe</a> · <a href="{{ links.preferences }}">Email preferences</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""

TIPS = """<mjml>
  <mj-head><mj-preview>Three things our regulars love</mj-preview></mj-head>
  <mj-body background-color="#f4f4f7">
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="18px">{{ contact.first_name|default:"Hello" }}, a few tips</mj-text>
      <mj-text>Free delivery from 40&nbsp;€, returns within 30 days, and early access to sales for members.</mj-text>
      <mj-button background-color="#1f6feb" href="http://127.0.0.1:8000/">See what's new</mj-button>
    </mj-column></mj-section>
    <mj-section><mj-column>
      <mj-text font-size="12px" color="#777777" align="center">{{ sender.postal_address }}<br />
        <a href="{{ links.unsubscribe }}">Unsubscribe</a> · <a href="{{ links.preferences }}">Email preferences</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""


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
        if Sequence.objects.filter(name="Welcome").exists():
            return
        welcome = publish(Email(name="Welcome #1", subject="Welcome, {{ contact.first_name }}!", mjml=WELCOME))
        tips = publish(Email(name="Welcome #2: tips", subject="Getting the most out of Demo Store", mjml=TIPS))
        sequence = Sequence(name="Welcome", trigger_event="signed_up", description="Sent after signup.")
        sequence.steps = [
            Step(sort_order=0, delay_amount=0, delay_unit="days", email=welcome),
            Step(sort_order=1, delay_amount=2, delay_unit="days", email=tips),
        ]
        publish(sequence)
        self.stdout.write("Seeded the published Welcome sequence.")
