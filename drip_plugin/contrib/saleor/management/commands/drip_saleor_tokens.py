from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"nothing re-encrypted: {exc}") from None
        self.stdout.write(f"{len(installations)} Saleor app token(s) encrypted with the newest key")
        failed = 0
        for installation in installations if check else []:
            problem = check_token(installation)
            failed += bool(problem)
            self.stdout.write(f"{installation.saleor_api_url}: {problem or 'token accepted'}")
        if failed:
            raise CommandError(f"{failed} Saleor installation(s) did not accept their token")
