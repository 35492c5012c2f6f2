"""Issue 7: email content as StreamField blocks in a shared layout, plus raw MJML."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from drip_plugin.models import Email, Layout
from drip_plugin.rendering import render_email
from drip_plugin.rendering.preview import sample_merge_context

BLOCKS = [
    ("heading", {"text": "Hello {{ contact.first_name }}", "size": "24px"}),
    ("text", "<p>You left <b>{{ cart.lines|length }}</b> items.</p>"),
    ("lines", {"source": "cart"}),
    ("button", {"text": "Back to your cart", "url": "{{ cart.restore_url }}"}),
    ("image", {"src": "https://cdn.shop.test/banner.png", "alt": "New season", "link": ""}),
    ("columns", {"left": "<p>Free delivery</p>", "right": "<p>30-day returns</p>"}),
    ("divider", None),
    ("spacer", 30),
    ("products", [{"name": "Mug", "image_url": "https://cdn.shop.test/mug.png", "url": "https://shop.test/mug",
                   "price": "12 €"}]),
]


def blocks_email(body=BLOCKS, **fields) -> Email:
    return Email(name="Blocks", subject="Your cart, {{ contact.first_name }}", body=body, **fields)


def test_blocks_email_renders_every_block_inside_the_layout_with_merge_data(db):
    layout = Layout.objects.create(name="Brand", shop_name="Demo Store", brand_colour="#aa3300")
    email = blocks_email(layout=layout)
    email.full_clean()
    rendered = render_email(email, sample_merge_context())
    html, text = rendered.html, rendered.text
    assert "Hello Ada" in html and "You left <b>3</b> items." in html
    assert [name in html for name in ("Linen shirt", "Canvas tote", "Espresso cups (2)")] == [True] * 3
    assert 'href="https://shop.example/cart/restore/sample"' in html and "Total 86.00 EUR" in html
    assert 'alt="New season"' in html and "30-day returns" in html and "Mug" in html
    assert "Demo Store" in html and "#aa3300" in html, "the layout's header and brand colour"
    assert "Unsubscribe" in html and "Test Shop, 1 Test Street" in html, "the layout's footer"
    assert "Back to your cart (https://shop.example/cart/restore/sample)" in text


def test_blocks_a_shared_layout_change_shows_in_every_email_using_it(db):
    layout = Layout.objects.create(name="Brand", shop_name="Old name")
    first, second = blocks_email(layout=layout), blocks_email(layout=layout)
    layout.shop_name = "New name"
    layout.save()
    assert all("New name" in render_email(e, sample_merge_context()).html for e in (first, second))


def test_blocks_raw_mjml_block_error_is_reported_on_that_block_with_its_line(db):
    body = [("heading", {"text": "Hi", "size": "24px"}),
            ("raw_mjml", '<mj-section><mj-column>\n<mj-text>ok</mj-text>\n<mj-text>broken\n</mj-column></mj-section>')]
    with pytest.raises(ValidationError) as error:
        blocks_email(body=body).full_clean()
    (message,) = error.value.message_dict["body"]
    assert message.startswith("Block 2 (Raw MJML), line 4: </mj-column> found but <mj-text> (line")


def test_blocks_unknown_merge_variable_in_a_block_is_flagged_on_that_block(db):
    with pytest.raises(ValidationError) as error:
        blocks_email(body=[("heading", {"text": "Hi {{ contact.user.password }}", "size": "24px"})]).full_clean()
    assert error.value.message_dict["body"][0].startswith("Block 1 (Heading), line 1:")


def test_blocks_and_whole_email_raw_mjml_are_either_or(db):
    with pytest.raises(ValidationError, match="not both"):
        blocks_email(mjml="<mjml><mj-body></mj-body></mjml>").full_clean()
    with pytest.raises(ValidationError, match="Add content blocks"):
        blocks_email(body=[]).full_clean()


BLOCKS_FORM = {
    "name": "From blocks", "subject": "Hi", "preheader": "", "layout": "", "mjml": "",
    "body-count": "2",
    "body-0-type": "heading", "body-0-deleted": "", "body-0-order": "0",
    "body-0-value-text": "Hello {{ contact.first_name }}", "body-0-value-size": "24px",
    "body-1-type": "button", "body-1-deleted": "", "body-1-order": "1",
    "body-1-value-text": "Shop now", "body-1-value-url": "https://shop.test/",
}


def test_blocks_editor_creates_and_previews_a_blocks_email_in_the_admin(admin_client):
    response = admin_client.post(reverse("wagtailsnippets_drip_plugin_email:add"), BLOCKS_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    email = Email.objects.get(name="From blocks")
    assert "Hello Ada" in render_email(email.get_latest_revision_as_object(), sample_merge_context()).html
    url = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    assert admin_client.post(url, BLOCKS_FORM).json()["is_valid"]
    assert "Hello Ada" in admin_client.get(url, {"mode": "desktop"}).content.decode()
    broken = {**BLOCKS_FORM, "body-0-value-text": "Hello {{ contact.user.password }}"}
    page = admin_client.post(reverse("wagtailsnippets_drip_plugin_email:edit", args=[email.pk]),
                             {**broken, "action-publish": "action-publish"})
    assert "Block 1 (Heading), line 1:" in page.content.decode()


FILTER_WITH_QUOTES = '{{ contact.first_name|default:"there" }}'


@pytest.mark.parametrize("block,expected", [
    (("heading", {"text": f"Hi {FILTER_WITH_QUOTES}", "size": "24px"}), ">Hi there</div>"),
    (("button", {"text": f"Go, {FILTER_WITH_QUOTES}", "url": '{{ links.view_in_browser|default:"https://shop.test" }}'}),
     ">Go, there</a>"),
    (("image", {"src": "https://cdn.shop.test/a.png", "alt": f"For {FILTER_WITH_QUOTES} & co", "link": ""}),
     'alt="For there &amp; co"'),
], ids=["heading", "button", "image-alt"])
def test_filters_with_quoted_arguments_work_in_every_block_as_in_raw_mjml(db, block, expected):
    email = blocks_email(body=[block])
    email.full_clean()  # was: "default requires 2 arguments, 1 provided"
    merge = {**sample_merge_context(), "contact": {**sample_merge_context()["contact"], "first_name": ""}}
    html = render_email(email, merge).html
    assert expected in html


def test_text_typed_in_a_block_stays_escaped_around_template_syntax(db):
    email = blocks_email(body=[("heading", {"text": '<b>"Sale"</b> for {{ contact.first_name }}', "size": "24px"})])
    email.full_clean()
    assert "&lt;b&gt;&quot;Sale&quot;&lt;/b&gt; for Ada" in render_email(email, sample_merge_context()).html
