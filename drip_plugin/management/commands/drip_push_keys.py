"""Print a new VAPID key pair for web push, as DRIP_PLUGIN settings."""
from django.core.management.base import BaseCommand

from ...channels.push.vapid import generate_keys


class Command(BaseCommand):
    help = ("Generate a VAPID key pair for web push and print it as DRIP_PLUGIN settings. Keep the private key "
            "secret; changing the pair later makes every browser subscribe again.")

    def handle(self, *args, **options):
        keys = generate_keys()
        self.stdout.write(f'"PUSH_ENABLED": True,\n'
                          f'"PUSH_VAPID_PUBLIC_KEY": "{keys.public_key}",\n'
                          f'"PUSH_VAPID_PRIVATE_KEY": "{keys.private_key}",\n'
                          f'"PUSH_VAPID_SUBJECT": "mailto:you@your-shop.example",')
