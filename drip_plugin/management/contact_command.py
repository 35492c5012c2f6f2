from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from drip_plugin.models import Contact


class ContactCommand(BaseCommand):
    """A command about one contact, named by its email address."""

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        contact = Contact.objects.with_address(email).first()
        if contact is None:
            raise CommandError(_("no contact with email %(email)s") % {"email": email})
        self.handle_contact(contact)

    def handle_contact(self, contact: Contact) -> None:
        raise NotImplementedError
