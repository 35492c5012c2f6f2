"""StreamField blocks of an email body; each renders to MJML sections.

Text fields may hold merge variables and filters
({{ contact.first_name|default:"there" }}): what the editor typed as text is
HTML-escaped, the template syntax is left as written, so the per-recipient
template pass fills it in exactly as in raw MJML.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.rich_text import expand_db_html

from ..rendering.markup import as_attribute, as_text

SECTION = '    <mj-section background-color="#ffffff"><mj-column>{}</mj-column></mj-section>'


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"))
    size = blocks.ChoiceBlock(choices=[("24px", _("large")), ("18px", _("medium"))], default="24px")

    class Meta:
        icon = "title"

    def to_mjml(self, value) -> str:
        return SECTION.format(f'<mj-text font-size="{value["size"]}" font-weight="bold">{as_text(value["text"])}</mj-text>')


class TextBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"

    def to_mjml(self, value) -> str:
        return SECTION.format(f"<mj-text>{expand_db_html(value.source)}</mj-text>")


class ImageBlock(blocks.StructBlock):
    src = blocks.CharBlock(label=_("image URL"), help_text=_("Absolute https:// URL, or a merge variable."))
    alt = blocks.CharBlock(label=_("alt text"), help_text=_("Read aloud and shown when images are off."))
    link = blocks.CharBlock(label=_("link"), required=False)

    class Meta:
        icon = "image"

    def to_mjml(self, value) -> str:
        href = f' href="{as_attribute(value["link"])}"' if value["link"] else ""
        return SECTION.format(f'<mj-image src="{as_attribute(value["src"])}" alt="{as_attribute(value["alt"])}"{href} />')


class ButtonBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"))
    url = blocks.CharBlock(label=_("link"), help_text=_("e.g. https://shop.example/new or {{ cart.restore_url }}"))

    class Meta:
        icon = "link"

    def to_mjml(self, value) -> str:
        return SECTION.format(f'<mj-button href="{as_attribute(value["url"])}">{as_text(value["text"])}</mj-button>')


class ColumnsBlock(blocks.StructBlock):
    left = blocks.RichTextBlock(label=_("left"))
    right = blocks.RichTextBlock(label=_("right"))

    class Meta:
        icon = "table"

    def to_mjml(self, value) -> str:
        columns = "".join(f"<mj-column><mj-text>{expand_db_html(value[side].source)}</mj-text></mj-column>"
                          for side in ("left", "right"))
        return f'    <mj-section background-color="#ffffff">{columns}</mj-section>'


class DividerBlock(blocks.StaticBlock):
    class Meta:
        icon = "horizontalrule"
        admin_text = _("A thin line.")

    def to_mjml(self, value) -> str:
        return SECTION.format('<mj-divider border-width="1px" border-color="#dddddd" />')


class SpacerBlock(blocks.IntegerBlock):
    class Meta:
        icon = "arrows-up-down"

    def to_mjml(self, value) -> str:
        return SECTION.format(f'<mj-spacer height="{int(value)}px" />')


class LinesBlock(blocks.StructBlock):
    """The cart's or the order's lines: image, name, quantity, price; then the total."""

    source = blocks.ChoiceBlock(choices=[("cart", _("cart")), ("order", _("order"))], default="cart")

    class Meta:
        icon = "list-ul"

    def to_mjml(self, value) -> str:
        of = value["source"]
        return (
            f"{{% for line in {of}.lines %}}"
            '    <mj-section background-color="#ffffff">'
            '<mj-column width="25%"><mj-image width="80px" src="{{ line.image_url }}" alt="{{ line.name }}" /></mj-column>'
            "<mj-column width=\"75%\"><mj-text>{{ line.quantity }} × {{ line.name }}<br />"
            f"{{{{ line.unit_price }}}} {{{{ {of}.currency }}}}</mj-text></mj-column></mj-section>{{% endfor %}}\n"
            + SECTION.format(f'<mj-text font-weight="bold">Total {{{{ {of}.total }}}} {{{{ {of}.currency }}}}</mj-text>')
        )


class ProductBlock(blocks.StructBlock):
    name = blocks.CharBlock()
    image_url = blocks.URLBlock()
    url = blocks.URLBlock()
    price = blocks.CharBlock(required=False)


class ProductsBlock(blocks.ListBlock):
    """Recommended products, side by side (up to 3)."""

    def __init__(self, **kwargs):
        super().__init__(ProductBlock(), max_num=3, **kwargs)

    class Meta:
        icon = "pick"

    def to_mjml(self, value) -> str:
        columns = "".join(
            f'<mj-column><mj-image src="{as_attribute(p["image_url"])}" alt="{as_attribute(p["name"])}" '
            f'href="{as_attribute(p["url"])}" /><mj-text align="center">{as_text(p["name"])}<br />{as_text(p["price"])}'
            "</mj-text></mj-column>"
            for p in value
        )
        return f'    <mj-section background-color="#ffffff">{columns}</mj-section>'


class RawMJMLBlock(blocks.TextBlock):
    class Meta:
        icon = "code"
        label = _("Raw MJML")
        help_text = _("One or more <mj-section> elements; merge variables and template tags allowed.")

    def to_mjml(self, value) -> str:
        return value


class EmailBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    text = TextBlock(features=["bold", "italic", "link", "ol", "ul"])
    image = ImageBlock()
    button = ButtonBlock()
    columns = ColumnsBlock()
    divider = DividerBlock()
    spacer = SpacerBlock(default=20, min_value=5, max_value=200)
    lines = LinesBlock(label=_("Cart / order lines"))
    products = ProductsBlock(label=_("Product recommendations"))
    raw_mjml = RawMJMLBlock()
