"""What tests build, in one place: sequences (one builder for both step
notations), StreamField blocks, a sent message, a logged-in editor, threads
released together. Fixtures stay in conftest.py; helpers are imported from here."""
from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Sequence as Seq

from django.contrib.auth import get_user_model
from django.db import connection
from wagtail.blocks import StreamValue

from drip_plugin import track
from drip_plugin.links.signed import EmailLinks
from drip_plugin.models import Email, Message, Sequence, Step
from drip_plugin.models.sequences import StepKind
from drip_plugin.scheduling import tick

WELCOME_MJML = """<mjml>
  <mj-head><mj-preview>Welcome aboard</mj-preview></mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Hello {{ contact.first_name }}, welcome to the shop!</mj-text>
      <mj-button href="https://shop.test/start">Start shopping</mj-button>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""
BODY = "<mjml><mj-body><mj-section><mj-column><mj-text>{{ contact.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>"
STREAM_FIELDS = ("trigger_filters", "flow_filters", "send_windows")
# drip's own SMTP backend: the hand-over recorded at the commit point.
COMMIT_POINT_BACKEND = "drip_plugin.delivery.smtp.EmailBackend"


def build_sequence(
    name: str = "Welcome",
    trigger: str = "signed_up",
    steps: Seq[tuple[int, str, str] | dict] = ((0, "days", "Welcome, {{ contact.first_name }}"), (2, "days", "Day two")),
    *,
    mjml: str = WELCOME_MJML,
    live: bool = True,
    **fields,
) -> Sequence:
    """A sequence with `fields` (its filters and send windows as lists of
    blocks) and `steps`, each either (delay amount, unit, subject) — an email
    step with its own published Email "<name> #n" of `mjml` — or a dict of Step
    fields, where "subject" makes a published Email of that name and subject
    and "condition" is a list of condition blocks."""
    streams = {key: fields.pop(key) for key in STREAM_FIELDS if key in fields}
    sequence = Sequence(name=name, trigger_event=trigger, live=live, **fields)
    for key, blocks in streams.items():
        setattr(sequence, key, stream(Sequence, key, blocks))
    sequence.save()
    for order, spec in enumerate(steps):
        if isinstance(spec, tuple):
            amount, unit, subject = spec
            email = Email.objects.create(name=f"{name} #{order + 1}", subject=subject, mjml=mjml, live=True)
            spec = {"delay_amount": amount, "delay_unit": unit, "email": email}
        spec = dict(spec)
        if "subject" in spec:
            subject = spec.pop("subject")
            spec["email"] = Email.objects.create(name=subject, subject=subject, mjml=BODY, live=True)
        spec.setdefault("kind", StepKind.EMAIL if "email" in spec else StepKind.WAIT)
        if "condition" in spec:
            spec["condition"] = stream(Step, "condition", spec["condition"])
        Step.objects.create(sequence=sequence, sort_order=order, **spec)
    return sequence


def stream(model, field: str, blocks: list[tuple[str, dict]]):
    """A StreamField value as the admin would save it."""
    return StreamValue(model._meta.get_field(field).stream_block, blocks, is_lazy=False)


def condition(field: str, operator: str, value: str = "") -> tuple[str, dict]:
    return ("field", {"field": field, "operator": operator, "value": value})


def activity(name: str, *, happened="has", since="entered", days=None, same_object=False) -> tuple[str, dict]:
    return ("activity", {"happened": happened, "activity": name, "since": since, "days": days,
                         "same_object": same_object})


def window(days: str, start: str, end: str) -> tuple[str, dict]:
    return ("window", {"days": list(days), "start": dt.time.fromisoformat(start), "end": dt.time.fromisoformat(end)})


def sent_message(address: str = "u@example.com", steps: Seq[tuple[int, str, str]] = ((0, "days", "Hello"),)
                 ) -> Message:
    """A sequence of `steps`, `address` signing up, one tick: the first
    step's Message, as the tick left it (the email the backend got, if any,
    is in mail.outbox)."""
    build_sequence(steps=steps)
    track("signed_up", email=address)
    tick()
    return Message.objects.get(to_email=address.lower(), step__sort_order=0)


def logged_in_editor(client, username: str = "editor"):
    """`client`, logged in as a superuser named `username`."""
    client.force_login(get_user_model().objects.create_superuser(username, f"{username}@shop.test", "pw"))
    return client


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a local server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_concurrently(function, times: int = 2) -> list:
    """Call `function` from `times` threads released at the same instant; return
    their results. Fails the test if any thread raised."""
    start = threading.Barrier(times)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(function())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


# The roles of the README's permission matrix, as Django permission codenames
# of drip_plugin (plus Wagtail's admin access).
EDITOR_PERMISSIONS = ["add_sequence", "change_sequence", "view_sequence", "lock_sequence",
                      "add_email", "change_email", "view_email", "lock_email", "view_contact"]
ROLE_PERMISSIONS = {
    "viewer": ["view_sequence", "view_email", "view_contact"],
    "editor": EDITOR_PERMISSIONS,
    "moderator": [*EDITOR_PERMISSIONS, "publish_sequence", "publish_email", "unlock_sequence", "unlock_email", "change_contact", "export_contact",
                  "erase_contact"],
}


def role_group(role: str):
    """The Wagtail group of `role` ("viewer", "editor" or "moderator")."""
    from django.contrib.auth.models import Group, Permission

    group, created = Group.objects.get_or_create(name=role)
    if created:
        group.permissions.set([Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
                               *Permission.objects.filter(content_type__app_label="drip_plugin",
                                                          codename__in=ROLE_PERMISSIONS[role])])
    return group


def logged_in_as(client, role: str, username: str | None = None):
    """`client`, logged in as a new non-superuser in the group of `role`."""
    user = get_user_model().objects.create_user(username or role, f"{username or role}@shop.test", "pw")
    user.groups.add(role_group(role))
    client.force_login(user)
    return client


def refused(response) -> bool:
    """403, or Wagtail's 'Sorry, you do not have permission' redirect to the dashboard."""
    from django.urls import reverse

    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home"))


def engage_as_no_person(client, clock, message: Message) -> tuple[str, str]:
    """`message`'s click link followed by a link scanner on arrival, its open
    pixel fetched by Apple's privacy proxy 5 minutes later, then `client`
    logged in as an editor. Returns (pixel, link) for more requests."""
    links = EmailLinks()
    pixel, link = links.open(message.pk), links.click({"m": message.pk, "u": "https://shop.test/start"})
    client.get(link)  # on arrival: a link scanner
    clock.shift(dt.timedelta(minutes=5))
    client.get(pixel, REMOTE_ADDR="17.58.63.12")  # Apple Mail Privacy Protection's proxy
    logged_in_editor(client)
    return pixel, link
