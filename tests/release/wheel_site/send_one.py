"""Run by the installed wheel's python: migrate, check, collectstatic, then
one email end to end (starter sequence published, signup tracked, tick, the
email's preference link opened). Prints a JSON summary for the test."""
import json
import os
import re
import sys
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

import drip_plugin  # noqa: E402
from drip_plugin.models import Sequence  # noqa: E402
from drip_plugin.scheduling import tick  # noqa: E402

call_command("migrate", verbosity=0)
call_command("check", fail_level="ERROR")
call_command("collectstatic", interactive=False, verbosity=0)
call_command("drip_starters")
sequence = Sequence.objects.get(name="Welcome series")
for step in sequence.steps.all():
    for email in filter(None, [step.email, *(variant.email for variant in step.variants.all())]):
        email.save_revision().publish()
sequence.save_revision().publish()

drip_plugin.track("signed_up", email="ada@example.com", properties={})
result = tick()
message = mail.outbox[0]
html = message.alternatives[0][0]
# The unsubscribe link opens the preference centre (a template and a form).
unsubscribe = re.search(r"<https://shop\.example(/drip/unsubscribe/[^>]+)>", message.extra_headers["List-Unsubscribe"])
page = Client().get(unsubscribe.group(1)) if unsubscribe else None
package = Path(drip_plugin.__file__).parent
print("\n--summary--")
json.dump({
    "module": drip_plugin.__file__,
    "sent": result.sent,
    "to": message.to,
    "subject": message.subject,
    "html_has_footer": "Shop Ltd, 1 High Street, London" in html,
    "preferences_status": page.status_code if page else None,
    "preferences_page": page.content.decode() if page else "",
    "data_files": sorted(str(p.relative_to(package)) for p in package.rglob("*")
                         if p.is_file() and p.suffix not in (".py", ".pyc")),
    "collected": sorted(str(p.relative_to(Path("static"))) for p in Path("static/drip_plugin").rglob("*")
                        if p.is_file()),
}, sys.stdout)
