"""System checks of web push (the E110 group of drip_plugin's checks)."""
from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ...conf import drip_settings
from .vapid import VapidKeyProblem, signer


@register()
def check_push_settings(app_configs=None, **kwargs):
    if not drip_settings.PUSH_ENABLED:
        return []
    problems = []
    try:
        signer()
    except VapidKeyProblem as exc:
        problems.append(Error(
            _("Web push is on but its VAPID keys cannot sign: %(problem)s.") % {"problem": exc},
            hint=_('Run "manage.py drip_push_keys" and put the keys it prints in DRIP_PLUGIN, with '
                   'PUSH_VAPID_SUBJECT = "mailto:<an address of yours>".'),
            id="drip_plugin.E110",
        ))
    origins = drip_settings.PUSH_SERVICE_ORIGINS
    if not isinstance(origins, (list, tuple)) or not all(isinstance(o, str) and "://" in o for o in origins):
        problems.append(Error(
            _("DRIP_PLUGIN['PUSH_SERVICE_ORIGINS'] must be a list of \"scheme://host\" patterns, not %(value)r.")
            % {"value": origins},
            id="drip_plugin.E111",
        ))
    try:
        import_string(drip_settings.PUSH_CONTACT_RESOLVER)
    except ImportError as exc:
        problems.append(Error(
            _("DRIP_PLUGIN['PUSH_CONTACT_RESOLVER'] cannot be imported: %(error)s") % {"error": exc},
            id="drip_plugin.E112",
        ))
    return problems


@register(Tags.database)
def check_push_steps(app_configs=None, databases=None, **kwargs):
    """Live sequences with push steps while web push is off: those steps
    could never send (only with `check --database`, as it reads the database)."""
    if not databases or drip_settings.PUSH_ENABLED:
        return []
    from ...models import Step
    from ...models.sequences import StepKind

    try:
        used = Step.objects.filter(kind=StepKind.PUSH, sequence__live=True).exists()
    except DatabaseError:  # not migrated yet
        return []
    return [Error(
        _("Live sequences have browser notification steps but web push is off."),
        hint=_('Set DRIP_PLUGIN["PUSH_ENABLED"] = True with the VAPID keys (docs/push.md), or remove those steps.'),
        id="drip_plugin.E113",
    )] if used else []
