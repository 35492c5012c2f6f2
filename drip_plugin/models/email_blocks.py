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

from ..recommendations.strategies import AUTOMATIC, BEST_SELLERS, BOUGHT_TOGETHER, RECENTLY_VIEWED
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


HAND_PICKED = "hand_picked"
STRATEGY_CHOICES = [
    (AUTOMATIC, _("Automatic: bought together, then recently viewed, then best sellers")),
    (BOUGHT_TOGETHER, _("Bought together with the contact's products")),
    (RECENTLY_VIEWED, _("Recently viewed by the contact")),
    (BEST_SELLERS, _("Best sellers")),
    (HAND_PICKED, _("Hand-picked (the products below)")),
]
PRODUCT_COLUMN = ('<mj-column><mj-image src="{image_url}" alt="{name}" href="{url}" />'
                  '<mj-text align="center">{name_text}<br />{price_text}</mj-text></mj-column>')


class ProductsBlock(blocks.StructBlock):
    """Products side by side: computed per recipient from the shop's events
    (never what they bought or have in their cart), or a hand-picked list."""

    strategy = blocks.ChoiceBlock(choices=STRATEGY_CHOICES, default=AUTOMATIC, label=_("products"))
    count = blocks.IntegerBlock(default=3, min_value=1, max_value=3, label=_("how many"),
                                help_text=_("At most; fewer when the data has fewer to offer."))
    products = blocks.ListBlock(ProductBlock(), max_num=3, required=False, label=_("hand-picked products"),
                                help_text=_("Only for “Hand-picked”."))

    class Meta:
        icon = "pick"

    @classmethod
    def construct_from_lookup(cls, lookup, child_blocks=None, **kwargs):
        # Migration 0008 recorded this block when it was a list, with no child blocks.
        return super().construct_from_lookup(lookup, child_blocks, **kwargs)

    def to_python(self, value):
        return super().to_python(_upgraded(value))

    def normalize(self, value):
        return super().normalize(_upgraded(value))

    def bulk_to_python(self, values):
        return super().bulk_to_python([_upgraded(value) for value in values])

    def to_mjml(self, value) -> str:
        if value["strategy"] == HAND_PICKED:
            columns = "".join(PRODUCT_COLUMN.format(
                image_url=as_attribute(p["image_url"]), name=as_attribute(p["name"]), url=as_attribute(p["url"]),
                name_text=as_text(p["name"]), price_text=as_text(p["price"])) for p in value["products"])
            return f'    <mj-section background-color="#ffffff">{columns}</mj-section>'
        # One column per place, each shown only when the recipient has a product for it.
        source = f"recommendations.{value['strategy']}"
        columns = "".join(
            f"<mj-raw>{{% if {source}.{i} %}}</mj-raw>" + PRODUCT_COLUMN.format(
                image_url=f"{{{{ {source}.{i}.image_url }}}}", name=f"{{{{ {source}.{i}.name }}}}",
                url=f"{{{{ {source}.{i}.url }}}}", name_text=f"{{{{ {source}.{i}.name }}}}",
                price_text=f"{{{{ {source}.{i}.price|money:{source}.{i}.currency }}}}") + "<mj-raw>{% endif %}</mj-raw>"
            for i in range(value["count"]))
        return (f"<mj-raw>{{% if {source} %}}</mj-raw>\n"
                f'    <mj-section background-color="#ffffff">{columns}</mj-section>\n<mj-raw>{{% endif %}}</mj-raw>')


def _upgraded(value):
    """A products block saved as a bare list (before strategies existed) is a hand-picked one."""
    if isinstance(value, list):
        return {"strategy": HAND_PICKED, "count": max(1, min(3, len(value))), "products": value}
    return value


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
