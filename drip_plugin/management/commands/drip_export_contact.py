import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.consent.gdpr import JSON_ENCODER, export_contact
from drip_plugin.models import Contact


class Command(BaseCommand):
    help = "Print, as JSON, all data drip_plugin holds about a contact (GDPR access request)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        contact = Contact.objects.with_address(email).first()
        if contact is None:
            raise CommandError(_("no contact with email %(email)s") % {"email": email})
        self.stdout.write(json.dumps(export_contact(contact), cls=JSON_ENCODER, indent=2))
