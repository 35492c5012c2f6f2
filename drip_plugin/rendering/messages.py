"""A Message rendered as its contact gets it: the one path from a Message to
its email, used by sending, the web version and the simulator."""
from __future__ import annotations

from ..links.signed import EmailLinks
from ..models import Email, Event, Message
from ..recommendations.lookup import BatchRecommendations
from ..recommendations.strategies import strategies_in
from .context import merge_context
from .email import RenderedEmail, compiled_html, render_email
from .errors import TemplateProblem
from .languages import Translations
from .sandbox import MergeData, freeze

RECOMMENDATIONS = "recommendations."  # how a template reads them: {{ recommendations.automatic.0.name }}


class RenderContext:
    """What rendering many messages (a sending batch) shares, looked up once
    for all: each email in its languages and compiled, signed link routes,
    each trigger event's properties as templates see them, the products
    recommended to each recipient (read for all the batch's contacts at the
    first email that shows recommendations)."""

    def __init__(self, messages: list[Message]):
        self.messages = messages
        self.translations = Translations(email for m in messages if (email := m.email()))
        self.email_links = EmailLinks()
        self._event_properties: dict[int, MergeData] = {}
        self._compiled_html: dict[int, str] = {}
        self._recommendations: BatchRecommendations | None = None

    def compiled_html(self, email: Email) -> str:
        if email.pk not in self._compiled_html:
            self._compiled_html[email.pk] = compiled_html(email)
        return self._compiled_html[email.pk]

    def recommendations(self, contact_id: int, compiled: str) -> MergeData | None:
        """The contact's recommended products, if the email (`compiled`) shows any."""
        if RECOMMENDATIONS not in compiled:
            return None
        if self._recommendations is None:
            self._recommendations = BatchRecommendations({m.enrollment.contact_id for m in self.messages})
        return self._recommendations.for_contact(contact_id)

    def products_shown(self, message: Message, email: Email) -> list[tuple[str, tuple]]:
        """(strategy, products) for each strategy `email` shows products by, as `message`'s contact sees them."""
        compiled = self.compiled_html(email)
        shown = self.recommendations(message.enrollment.contact_id, compiled) or {}
        return [(strategy, shown[strategy]) for strategy in strategies_in(compiled)]

    def event_properties(self, event: Event | None) -> MergeData | None:
        if event is None:
            return None
        if event.pk not in self._event_properties:
            self._event_properties[event.pk] = freeze(event.properties or {})
        return self._event_properties[event.pk]


def render_message(message: Message, context: RenderContext | None = None
                   ) -> tuple[Email, dict[str, str], RenderedEmail]:
    """(email, links, rendered): the message's email (its variant's) in its
    contact's language, rendered with the message's own links; no click
    tracking. Raises TemplateProblem."""
    enrollment = message.enrollment
    chosen = message.email()
    if chosen is None:
        raise TemplateProblem("the step or its email was deleted before the message went out")
    if not chosen.live:
        raise TemplateProblem(f"email {chosen.name!r} is not published")
    locale = message.language or enrollment.contact.locale  # once sent, in the language it went out in
    context = context or RenderContext([message])
    email = context.translations.pick(chosen, locale)
    links = context.email_links.for_templates(message)
    properties = context.event_properties(enrollment.trigger_event)
    compiled = context.compiled_html(email)
    merge = merge_context(enrollment.contact, event_properties=properties, links=links,
                          recommendations=context.recommendations(enrollment.contact_id, compiled))
    return email, links, render_email(email, merge, compiled)
