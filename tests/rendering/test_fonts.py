"""Issue 24, no web fonts by default: emails use a system font stack unless
the WEB_FONTS setting or the email itself asks for a web font."""
from __future__ import annotations

from django.core import checks

from drip_plugin.models import Email, Layout
from drip_plugin.rendering import render_email
from drip_plugin.rendering.preview import sample_merge_context

LATO = "https://fonts.googleapis.com/css?family=Lato:400,700"
BODY = [("heading", {"text": "Hello", "size": "24px"}), ("text", "<p>Your cart misses you.</p>"),
        ("button", {"text": "Back to your cart", "url": "https://shop.test/cart"})]
# Raw MJML without any font-family: MJML's default font is "Ubuntu, Helvetica,
# Arial", which MJML alone would load from Google Fonts.
RAW = """<mjml><mj-body><mj-section><mj-column>
  <mj-text>Hello</mj-text><mj-button href="https://shop.test/">Shop</mj-button>
</mj-column></mj-section></mj-body></mjml>"""


def html_of(email: Email) -> str:
    return render_email(email, sample_merge_context(email)).html


def test_point_no_web_fonts_a_default_email_loads_no_google_fonts(db):
    blocks = Email(subject="Hi", body=BODY)
    raw = Email(subject="Hi", mjml=RAW)
    for html in (html_of(blocks), html_of(raw)):
        assert "fonts.googleapis.com" not in html and "@import" not in html and "<link" not in html
    assert "Helvetica, Arial, sans-serif" in html_of(blocks)  # the layout's system font stack


def test_point_no_web_fonts_a_layout_asking_for_a_web_font_gets_it(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WEB_FONTS": {"Lato": LATO}}
    asking = Layout.objects.create(name="Lato", shop_name="Shop", font_family="Lato, Helvetica, Arial, sans-serif")
    html = html_of(Email(subject="Hi", body=BODY, layout=asking))
    assert f'href="{LATO}"' in html and f"@import url({LATO})" in html
    # A listed font loads only where it is used.
    assert "fonts.googleapis.com" not in html_of(Email(subject="Hi", body=BODY))


def test_point_no_web_fonts_raw_mjml_asking_with_mj_font_gets_it(db):
    asking = RAW.replace("<mjml>", f'<mjml><mj-head><mj-font name="Lato" href="{LATO}" />'
                         '<mj-attributes><mj-all font-family="Lato, Arial" /></mj-attributes></mj-head>')
    assert LATO in html_of(Email(subject="Hi", mjml=asking))


def test_point_no_web_fonts_malformed_setting_is_a_check_error_and_loads_nothing(db, settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "WEB_FONTS": {"Lato": "http://insecure.test/lato.css"}}
    errors = [e for e in checks.run_checks() if e.id == "drip_plugin.E070"]
    assert len(errors) == 1 and "https://" in errors[0].msg
    layout = Layout.objects.create(name="Lato", shop_name="Shop", font_family="Lato, Arial")
    assert "insecure.test" not in html_of(Email(subject="Hi", body=BODY, layout=layout))
