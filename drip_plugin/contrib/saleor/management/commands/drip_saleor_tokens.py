from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, ngettext

from drip_plugin.contrib.saleor.encryption import TokenUndecryptable
from drip_plugin.contrib.saleor.tokens import check_token, reencrypt_tokens


class Command(BaseCommand):
    help = ("Re-encrypt every stored Saleor app token with the newest of DRIP_PLUGIN['ENCRYPTION_KEYS'] "
            "(after putting a new key first; then the old one can be removed). --check also asks each "
            "Saleor whether it accepts its token.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="call each Saleor with its token ({ app { id } })")

    def handle(self, *args, check=False, **options):
        try:
            installations = reencrypt_tokens()
        except TokenUndecryptable as exc:
            raise CommandError(_("nothing re-encrypted: %(error)s") % {"error": exc}) from None
        self.stdout.write(ngettext("%(count)d Saleor app token encrypted with the newest key",
                                   "%(count)d Saleor app tokens encrypted with the newest key",
                                   len(installations)) % {"count": len(installations)})
        failed = 0
        for installation in installations if check else []:
            problem = check_token(installation)
            failed += bool(problem)
            self.stdout.write(f"{installation.saleor_api_url}: {problem or _('token accepted')}")
        if failed:
            raise CommandError(ngettext("%(count)d Saleor installation did not accept its token",
                                        "%(count)d Saleor installations did not accept their token", failed)
                               % {"count": failed})
