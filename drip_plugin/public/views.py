"""Pages reached from emails: unsubscribe and preferences (no login; the
signed token is the credential)."""
from __future__ import annotations

import contextlib
import logging

from django.core import signing
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..channels.push.subscriptions import withdraw
from ..consent.suppression import resubscribe, set_opt_outs, unsubscribe
from ..links.signed import read_unsubscribe_token, read_view_token
from ..models import Contact, Message, Sequence
from ..models.messages import MessageStatus
from ..rendering import TemplateProblem
from ..rendering.messages import render_message

logger = logging.getLogger("drip_plugin.public")


def _invalid(request: HttpRequest) -> HttpResponse:
    logger.warning("unsubscribe link with a bad signature from %s", request.META.get("REMOTE_ADDR"))
    return render(request, "drip_plugin/link_invalid.html", status=400)


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF check, for the preference centre's own forms."""
    return CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})


def reader_language(contact: Contact, message: Message | None) -> str | None:
    """The language the email went out in, else the contact's, if the site
    offers it: the page reached from an email speaks it (None: the request's)."""
    code = (message.language if message else "") or contact.locale
    try:
        return translation.get_supported_language_variant(code.replace("_", "-").lower()) if code else None
    except LookupError:
        return None


# csrf_exempt: RFC 8058 one-click POSTs come from mailbox providers, without
# cookies or a CSRF token; the signed token authenticates them. The preference
# centre's forms are ours, so they are CSRF-checked as usual.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = read_unsubscribe_token(token)
    except signing.BadSignature:
        return _invalid(request)
    contact = Contact.objects.filter(pk=payload.get("c")).first()
    if contact is None:
        return _invalid(request)
    message = Message.objects.filter(pk=payload.get("m"), enrollment__contact=contact).select_related(
        "enrollment__sequence").first()
    language = reader_language(contact, message)
    with translation.override(language) if language else contextlib.nullcontext():
        return _preference_centre(request, contact, message)


def _preference_centre(request: HttpRequest, contact: Contact, message: Message | None) -> HttpResponse:
    sequence = message.enrollment.sequence if message else None
    received = Sequence.objects.filter(enrollments__contact=contact).distinct().order_by("name")
    done = None
    if request.method == "POST":
        try:
            form = request.POST
        except (SuspiciousOperation, MultiPartParserError, BadRequest) as exc:
            # Django would answer these itself, but log them as errors with a traceback.
            logger.warning("preference centre form for contact %s unreadable: %s", contact.pk, exc)
            return render(request, "drip_plugin/link_invalid.html",
                          status=413 if isinstance(exc, RequestDataTooBig) else 400)
        action = form.get("action")
        # RFC 8058's body, whatever else came with it: it can only unsubscribe.
        one_click = form.get("List-Unsubscribe") == "One-Click"
        if not one_click and (refusal := _csrf_refusal(request)) is not None:
            return refusal
        if one_click or action == "unsubscribe_all":
            unsubscribe(contact, "one-click unsubscribe (RFC 8058)" if one_click else "preference centre",
                        message=message)
            done = "unsubscribed"
        elif action == "resubscribe":
            done = "resubscribed" if resubscribe(contact, "preference centre") else "resubscribe_refused"
        elif action == "push_off":
            withdraw(list(contact.push_subscriptions.all()), "preference centre")
            done = "push_off"
        elif action == "save":
            # Only sequences this contact gets; ids compared as text, so no input can break int().
            chosen = set(form.getlist("opt_out"))
            set_opt_outs(contact, [s for s in received if str(s.pk) in chosen], "preference centre")
            done = "saved"
        else:
            logger.warning("preference centre form for contact %s with an unknown action %r", contact.pk, action)
            return render(request, "drip_plugin/link_invalid.html", status=400)
        logger.info("contact %s preference change: %s", contact.pk, done)
    return render(request, "drip_plugin/preferences.html", {
        "contact": contact, "sequence": sequence, "sequences": received,
        "opted_out": set(contact.opted_out_of.values_list("pk", flat=True)), "done": done,
        "push_browsers": contact.push_subscriptions.count(),
    })


def web_version_view(request: HttpRequest, token: str) -> HttpResponse:
    """The email as its contact got it ({{ links.view_in_browser }}), rendered again."""
    try:
        message_token = read_view_token(token)
        message = (Message.objects.filter(token=message_token, status=MessageStatus.SENT)
                   .select_related("enrollment__contact", "enrollment__trigger_event", "step__email").first())
    except (signing.BadSignature, ValidationError):  # ValidationError: a signed value that is no UUID
        return _invalid(request)
    try:
        if message is None:
            raise TemplateProblem("the message is gone (erased, or never sent)")
        if message.to_email.lower() != message.enrollment.contact.email.lower():
            # Sent to an address the contact has since changed: whoever got it
            # must not see the contact's current details.
            raise TemplateProblem("the contact's address changed since")
        _, _, rendered = render_message(message)
    except TemplateProblem as exc:
        logger.info("web version of message %s not shown: %s", message_token, exc)
        return render(request, "drip_plugin/link_invalid.html", status=404)
    response = HttpResponse(rendered.html)
    response["X-Robots-Tag"] = "noindex"  # a person's email: no search engine may keep it
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the page's links must not carry its token away
    return response


@csrf_exempt  # a test send's List-Unsubscribe gets the same one-click POST as a real one
@require_http_methods(["GET", "POST"])
def test_link_view(request: HttpRequest) -> HttpResponse:
    """Where every link of a test send leads: it says so, and changes nothing."""
    return render(request, "drip_plugin/test_link.html")
