"""Issue 22: the browse abandonment starter, in English and French."""
from __future__ import annotations

import datetime as dt

from django.core import mail
from wagtail.models import Locale

from drip_plugin import track
from drip_plugin.models import Contact, Email, Enrollment
from drip_plugin.models.enrollments import EnrollmentState
from drip_plugin.rendering.validation import email_problems
from drip_plugin.scheduling import tick
from drip_plugin.starters import create_from_starter, get_starter
from tests.recommendations.test_recommendations import line, order, seed_shop, view
from tests.test_starters import publish


def test_point_browse_abandonment_starter_en_fr(db, clock):
    french_locale = Locale.objects.get_or_create(language_code="fr")[0]
    starter = get_starter("browse_abandonment")
    for language in ("en", "fr"):
        email = starter.steps[0].email
        assert email_problems(email.mjml_in(language), email.subject_in(language)) == {}
    sequence, created = create_from_starter(starter)
    assert created and sequence.trigger_event == "product_viewed"
    assert set(sequence.exit_event_names) == {"checkout_started", "checkout_updated", "order_completed"}
    english = sequence.steps.get().email
    french = Email.objects.get(translation_key=english.translation_key, locale=french_locale)
    assert "Still thinking it over" in english.mjml and "Vous hésitez encore" in french.mjml
    assert "Se désinscrire" in french.mjml
    publish(sequence)
    french.latest_revision.publish()

    seed_shop()  # A goes with B, C and D
    Contact.objects.create(email="lea@example.com", locale="fr")
    view("ann@example.com", "A", name="Product A", url="https://shop.test/A", price="10.00", currency="EUR")
    view("lea@example.com", "C", name="Produit C", url="https://shop.test/C", price="10.00", currency="EUR")
    view("cat@example.com", "A", name="Product A", url="https://shop.test/A")
    view("olga@example.com", "A", name="Product A", url="https://shop.test/A")
    clock.shift(dt.timedelta(minutes=40))
    track("checkout_updated", email="cat@example.com",
          properties={"checkout_id": "k1", "cart": {"checkout_id": "k1", "lines": [line("A")]}})
    order("olga@example.com", "p1", line("B"), at=dt.datetime.now(dt.UTC))
    clock.shift(dt.timedelta(hours=2))
    tick()

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"ann@example.com", "lea@example.com"}, "a cart or an order ends the journey"
    states = dict(Enrollment.objects.values_list("contact__email", "state"))
    assert states["cat@example.com"] == states["olga@example.com"] == EnrollmentState.EXITED
    ann, lea = sent["ann@example.com"].alternatives[0][0], sent["lea@example.com"].alternatives[0][0]
    assert "Still thinking it over" in ann and "See Product A" in ann and "€10.00" in ann
    assert "Often bought together" in ann and "Product B" in ann and "Produit C" in ann, "C as last shown"
    assert "Vous hésitez encore" in lea and "Voir Produit C" in lea and "10,00" in lea
    assert "Souvent achetés ensemble" in lea and "Product A" in lea and "Product B" in lea
