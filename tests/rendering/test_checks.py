"""Issue 18, email checks: each check has an email that triggers it and one
that does not (test_point6_check_<code>_triggers / _passes)."""
from __future__ import annotations

import pytest

from drip_plugin.models import Email, Layout
from drip_plugin.rendering.checks import (
    GMAIL_CLIP_BYTES, SUBJECT_MOBILE_CHARS, contrast_ratio, email_warnings, parse_colour,
)

from ..factories import WELCOME_MJML, stream

pytestmark = pytest.mark.django_db


def raw_email(mjml: str = WELCOME_MJML, subject: str = "Welcome, {{ contact.first_name }}", **fields) -> Email:
    return Email.objects.create(name="Check", subject=subject, mjml=mjml, **fields)


def block_email(blocks: list[tuple[str, object]], preheader: str = "Our news", **fields) -> Email:
    email = Email(name="Blocks", subject="News", preheader=preheader, **fields)
    email.body = stream(Email, "body", blocks)
    email.save()
    return email


def codes(email: Email) -> list[str]:
    return [warning.code for warning in email_warnings(email)]


def body(content: str, head: str = "<mj-preview>Welcome aboard</mj-preview>") -> str:
    return (f"<mjml>\n<mj-head>{head}</mj-head>\n<mj-body>\n<mj-section><mj-column>\n{content}\n"
            "</mj-column></mj-section>\n</mj-body>\n</mjml>")


TEXT = "<mj-text>Our autumn collection is here, with linen shirts and canvas totes for every day.</mj-text>"


def test_a_clean_email_has_no_warnings():
    assert email_warnings(raw_email()) == []


def test_point6_check_image_alt_triggers():
    email = raw_email(body(f'{TEXT}\n<mj-image src="https://shop.test/a.png" />'))
    [warning] = [w for w in email_warnings(email) if w.code == "image_alt"]
    assert warning.line == 6  # the line of the <mj-image>


def test_point6_check_image_alt_triggers_on_html_img_too():
    email = raw_email(body('<mj-text>Our autumn collection is here, for every day of the year. '
                           '<img src="https://shop.test/a.png"></mj-text>'))
    assert "image_alt" in codes(email)


def test_point6_check_image_alt_passes():
    email = raw_email(body(f'{TEXT}\n<mj-image src="https://shop.test/a.png" alt="A linen shirt" />'))
    assert "image_alt" not in codes(email)


def test_point6_check_contrast_triggers():
    email = raw_email(body('<mj-text color="#aaaaaa">Light grey on white is hard to read for many people.</mj-text>'))
    [warning] = [w for w in email_warnings(email) if w.code == "contrast"]
    assert "2.3:1" in warning.message and warning.line == 5


def test_point6_check_contrast_triggers_from_the_section_background():
    # Dark text on a dark section: the nearest background is the section's.
    mjml = ('<mjml><mj-head><mj-preview>Hi</mj-preview></mj-head><mj-body>\n'
            '<mj-section background-color="#222222"><mj-column>\n'
            + TEXT.replace("<mj-text>", '<mj-text color="#333333">') + "\n"
            '</mj-column></mj-section></mj-body></mjml>')
    assert "contrast" in codes(raw_email(mjml))


def test_point6_check_contrast_triggers_from_mj_attributes_defaults():
    head = '<mj-preview>Hi</mj-preview><mj-attributes><mj-button background-color="#ffff00" /></mj-attributes>'
    email = raw_email(body(f'{TEXT}\n<mj-button href="https://shop.test/">Shop the collection</mj-button>', head))
    assert "contrast" in codes(email)


def test_point6_check_contrast_triggers_from_the_layouts_colours():
    # A block-built email: white header text on a pale brand colour.
    layout = Layout.objects.create(name="Pale", shop_name="Pale shop", brand_colour="#ffeeaa")
    email = block_email([("text", f"<p>{'Our news of the week. ' * 3}</p>")], layout=layout)
    [warning] = [w for w in email_warnings(email) if w.code == "contrast"]
    assert warning.block is None and warning.message.startswith("layout: text colour #ffffff on #ffeeaa")


def test_point6_check_contrast_passes():
    email = raw_email(body('<mj-text color="#ffffff" container-background-color="#1a1a1a">'
                           'White on near-black reads well for everyone.</mj-text>'))
    assert "contrast" not in codes(email)


def test_point6_check_contrast_passes_for_the_default_layout():
    # Its footer's grey (#666666 on #f4f4f7) passes; #777777 did not (4.1:1).
    email = block_email([("text", f"<p>{'Our news of the week. ' * 3}</p>")])
    assert "contrast" not in codes(email)


def test_wcag_contrast_ratio_matches_the_reference_values():
    white, black = parse_colour("#fff"), parse_colour("black")
    assert round(contrast_ratio(white, black), 1) == 21.0
    assert round(contrast_ratio(white, parse_colour("#777777")), 2) == 4.48  # WebAIM's checker


def test_point6_check_link_text_triggers():
    email = raw_email(body('<mj-text>Our autumn collection is out: <a href="https://shop.test/">click here</a>.</mj-text>'))
    [warning] = [w for w in email_warnings(email) if w.code == "link_text"]
    assert "click here" in warning.message


def test_point6_check_link_text_triggers_in_french_and_on_buttons():
    email = raw_email(body(f'{TEXT}\n<mj-button href="https://shop.test/">Cliquez ici !</mj-button>'))
    assert "link_text" in codes(email)


def test_point6_check_link_text_passes():
    email = raw_email(body('<mj-text>Our <a href="https://shop.test/autumn">autumn collection</a> is out.</mj-text>'))
    assert "link_text" not in codes(email)


def test_check_link_text_list_is_a_setting(settings):
    settings.DRIP_PLUGIN = {"LINK_TEXT_TO_AVOID": ["autumn collection"]}
    email = raw_email(body('<mj-text>Our <a href="https://shop.test/autumn">autumn collection</a> is out.</mj-text>'))
    assert "link_text" in codes(email)


def test_point6_check_preheader_triggers():
    assert "preheader" in codes(raw_email(body(TEXT, head="<mj-preview>{# none #}</mj-preview>")))
    assert "preheader" in codes(block_email([("text", "<p>Hello there, our news.</p>")], preheader=""))


def test_point6_check_preheader_passes():
    assert "preheader" not in codes(raw_email(body(TEXT)))
    assert "preheader" not in codes(block_email([("text", "<p>Hello there, our news.</p>")], preheader="Our news"))


def test_point6_check_html_size_triggers():
    filler = "Linen shirts and canvas totes for every day. " * 2500
    email = raw_email(body(f"<mj-text>{filler}</mj-text>"))
    [warning] = [w for w in email_warnings(email) if w.code == "html_size"]
    assert f"{GMAIL_CLIP_BYTES:,}" in warning.message


def test_point6_check_html_size_passes():
    assert "html_size" not in codes(raw_email(body("<mj-text>" + "Linen shirts. " * 200 + "</mj-text>")))


def test_point6_check_all_images_triggers():
    images = "\n".join(f'<mj-image src="https://shop.test/{n}.png" alt="Look {n}" />' for n in range(3))
    email = raw_email(body(f"{images}\n<mj-text>Shop now</mj-text>"))
    assert "all_images" in codes(email)


def test_point6_check_all_images_triggers_in_blocks_despite_the_layouts_footer():
    email = block_email([("image", {"src": "https://shop.test/a.png", "alt": "Autumn", "link": ""})])
    [warning] = [w for w in email_warnings(email) if w.code == "all_images"]
    assert warning.block == 1


def test_point6_check_all_images_passes():
    email = raw_email(body(f'<mj-image src="https://shop.test/a.png" alt="Autumn" />\n{TEXT}'))
    assert "all_images" not in codes(email)


def test_point6_check_subject_length_triggers():
    subject = "{{ contact.first_name }}, the autumn collection is here — with free shipping"
    [warning] = [w for w in email_warnings(raw_email(subject=subject)) if w.code == "subject_length"]
    # Measured as rendered for the sample contact (Ada).
    assert f"about {SUBJECT_MOBILE_CHARS}" in warning.message and "Ada, the autumn" in warning.message


def test_point6_check_subject_length_passes():
    assert "subject_length" not in codes(raw_email(subject="{{ contact.first_name }}, autumn is here"))


def test_block_warnings_name_their_block():
    email = block_email([("text", "<p>Read our news of the week, all of it, every word.</p>"),
                         ("text", '<p>The whole story: <a href="https://shop.test/">read more</a></p>')])
    [warning] = [w for w in email_warnings(email) if w.code == "link_text"]
    assert (warning.block, warning.line) == (2, 1)
    assert str(warning).startswith("Block 2 (Text), line 1: link text “read more”")


@pytest.mark.parametrize("mjml", [
    "<mjml><mj-body><mj-section><mj-column><mj-text>never closed",
    "<mj-text color=\"{{ contact.colour }}\" font-size=\"big\">Hi</mj-text>",
    "<mjml><mj-body><mj-text>Hi</mj-column></mj-section>",
    "plain text, no MJML at all",
    "<mjml><mj-head><mj-attributes><mj-class name=\"x\" color=\"#fff\"></mj-attributes></mj-head></mjml>",
])
def test_checks_survive_broken_mjml(mjml):
    # The editor hook runs them on drafts with problems: a warning list, never a 500.
    assert isinstance(email_warnings(raw_email(mjml)), list)
