"""Issue 7: templates see plain merge data only; tags survive MJML compilation;
MJML is compiled once per source."""
from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from drip_plugin.models import Contact, Email
from drip_plugin.rendering import render_email
from drip_plugin.rendering.context import merge_context
from drip_plugin.rendering.mjml import compile_mjml
from drip_plugin.rendering.sandbox import render_template

CART = {"cart": {"lines": [{"name": "Mug", "quantity": 2}, {"name": "Tea", "quantity": 1},
                           {"name": "Spoon", "quantity": 4}], "total": "31.50"}}

LOOP = """<mjml><mj-body>
  <mj-raw>{% for line in cart.lines %}</mj-raw>
  <mj-section><mj-column><mj-text>{{ line.quantity }} × {{ line.name }}</mj-text></mj-column></mj-section>
  <mj-raw>{% endfor %}</mj-raw>
  <mj-section><mj-column><mj-text>Total {{ cart.total }}</mj-text></mj-column></mj-section>
</mj-body></mjml>"""


def test_template_loop_around_mjml_elements_renders_3_lines_for_3_line_cart(db):
    contact = Contact(email="a@example.com", first_name="Ada")
    html = render_email(Email(subject="Your cart", mjml=LOOP), merge_context(contact, event_properties=CART)).html
    assert re.findall(r"\d × (?:Mug|Tea|Spoon)", html) == ["2 × Mug", "1 × Tea", "4 × Spoon"]
    assert html.count("<table") > 3 and "Total 31.50" in html


def test_mjml_is_compiled_once_per_source_and_only_merged_per_recipient(db):
    compile_mjml.cache_clear()
    email = Email(subject="Hi", mjml=LOOP)
    for i in range(50):
        render_email(email, merge_context(Contact(email=f"r{i}@example.com"), event_properties=CART))
    info = compile_mjml.cache_info()
    assert (info.misses, info.hits) == (1, 49)


def test_sandbox_blocks_reaching_secrets_through_the_template(db, settings):
    user = get_user_model().objects.create_user("ada", email="ada@example.com", password="s3cret-pass")
    contact = Contact.objects.create(email="ada@example.com", user=user, first_name="Ada")
    merge = merge_context(contact)
    attempts = [
        "{{ contact.user.password }}", "{{ contact.user }}", "{{ settings.SECRET_KEY }}",
        "{{ contact.email.__class__ }}", "{{ contact.items }}", "{{ contact.clear }}",
        "{% load static %}", "{% include '/etc/passwd' %}", "{% debug %}",
    ]
    rendered = []
    for source in attempts:
        try:
            rendered.append(render_template(source, merge))
        except ValueError:
            rendered.append("<refused>")
    assert "s3cret" not in "".join(rendered) and user.password not in "".join(rendered)
    assert settings.SECRET_KEY not in "".join(rendered)
    assert rendered[:6] == ["", "", "", "<refused>", "", ""]
    assert merge["contact"]["first_name"] == "Ada", "dict methods were not callable from templates"
    assert render_template("{{ contact.first_name }}", merge) == "Ada"
