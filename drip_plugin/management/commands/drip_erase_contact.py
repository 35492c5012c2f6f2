from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.consent.gdpr import erase_contact
from drip_plugin.models import Contact


class Command(BaseCommand):
    help = "Erase a contact's personal data (GDPR); a salted hash stays in the suppression list."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        contact = Contact.objects.with_address(email).first()
        if contact is None:
            raise CommandError(_("no contact with email %(email)s") % {"email": email})
        erase_contact(contact)
        self.stdout.write(_("erased; the address stays suppressed"))
