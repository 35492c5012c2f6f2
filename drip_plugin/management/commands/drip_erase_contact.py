from django.utils.translation import gettext as _

from drip_plugin.consent.gdpr import erase_contact
from drip_plugin.management.contact_command import ContactCommand


class Command(ContactCommand):
    help = "Erase a contact's personal data (GDPR); a salted hash stays in the suppression list."

    def handle_contact(self, contact):
        erase_contact(contact)
        self.stdout.write(_("erased; the address stays suppressed"))
