import json

from drip_plugin.consent.gdpr import JSON_ENCODER, export_contact
from drip_plugin.management.contact_command import ContactCommand


class Command(ContactCommand):
    help = "Print, as JSON, all data drip_plugin holds about a contact (GDPR access request)."

    def handle_contact(self, contact):
        self.stdout.write(json.dumps(export_contact(contact), cls=JSON_ENCODER, indent=2))
