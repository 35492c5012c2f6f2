"""Issue 7: editors see MJML/template errors with their line; unknown merge
variables are flagged; mjml-python's position-less errors get a line too."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from drip_plugin.models import Email
from drip_plugin.rendering.validation import email_problems, mjml_compile_problems

GOOD = """<mjml>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Hi {{ contact.first_name }}</mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""


def lines(source: str, subject: str = "Hi") -> list[str]:
    return [str(p) for found in email_problems(source, subject).values() for p in found]


def test_valid_email_has_no_problems():
    assert lines(GOOD) == []


def test_mjml_error_without_position_is_located_by_line():
    broken = GOOD.replace("</mj-column></mj-section>", "</mj-column>")  # line 5 loses </mj-section>
    assert [str(p) for p in mjml_compile_problems(broken)] == [
        "Line 1: MJML: unexpected end of stream in root template"], "mjml-python alone gives no line"
    assert lines(broken) == ["Line 6: </mj-body> found but <mj-section> (line 3) is still open"]


def test_unclosed_html_inside_mj_text_reports_its_line():
    broken = GOOD.replace("<mj-text>Hi", "<mj-text><b>Hi")
    assert lines(broken) == ["Line 4: </mj-text> found but <b> (line 4) is still open"]


def test_template_syntax_error_reports_its_line():
    broken = GOOD.replace("{{ contact.first_name }}", "{% if contact.first_name %}x")
    assert lines(broken)[0].startswith("Line 4: template error: Unclosed tag")


def test_less_than_inside_a_template_tag_gets_a_fix_not_a_parser_error():
    source = GOOD.replace("Hi {{ contact.first_name }}", "{% if cart.total < 20 %}Free shipping soon{% endif %}")
    assert lines(source) == ["Line 4: “<” inside {% if cart.total < 20 %} breaks MJML: turn the comparison around (“>”)"]
    assert lines(source.replace("cart.total < 20", "20 > cart.total")) == []


def test_unknown_merge_variables_are_flagged_with_line():
    source = GOOD.replace("{{ contact.first_name }}", "{{ contact.first_name }}\n{{ cart.totl }} {{ promo }}")
    assert lines(source) == [
        "Line 5: “cart.totl” is not in the merge context (cart has: checkout_id, currency, lines, restore_url, "
        "subtotal, total)",
        "Line 5: “promo” is not in the merge context (known: cart, contact, event, links, order, recommendations, sender, "
        "subscription)",
    ]


def test_loop_variables_are_known_inside_the_loop():
    source = GOOD.replace("Hi {{ contact.first_name }}",
                          "{% for line in cart.lines %}{{ line.name }} {{ forloop.counter }}{% endfor %}")
    assert lines(source) == []


def test_model_clean_raises_field_errors_with_lines(db):
    email = Email(name="x", subject="Hi {{ contact.password }}", mjml=GOOD.replace("</mjml>", ""))
    with pytest.raises(ValidationError) as raised:
        email.full_clean()
    errors = raised.value.message_dict
    assert errors["subject"] == ["Line 1: “contact.password” is not in the merge context "
                                 "(contact has: attributes, email, first_name, full_name, last_name, locale)"]
    assert errors["mjml"] == ["Line 1: <mjml> is never closed"]


def test_crlf_from_a_browser_textarea_is_valid_mjml():
    with_head = GOOD.replace("<mjml>\n", "<mjml>\n  <mj-head>\n    <mj-preview>Hello</mj-preview>\n  </mj-head>\n")
    assert lines(with_head.replace("\n", "\r\n")) == []
