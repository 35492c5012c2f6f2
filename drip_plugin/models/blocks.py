"""StreamField blocks editors use to state conditions and send windows.

They store plain JSON, evaluated by drip_plugin.engine.conditions/timing.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

OPERATORS = [
    ("equals", _("equals")),
    ("not_equals", _("does not equal")),
    ("contains", _("contains")),
    ("in", _("is one of (comma-separated)")),
    ("gt", _("is greater than")),
    ("lt", _("is less than")),
    ("is_set", _("is set")),
    ("is_not_set", _("is not set")),
    ("within_last_days", _("is within the last N days")),
]


class FieldConditionBlock(blocks.StructBlock):
    field = blocks.CharBlock(
        label=_("field"),
        help_text=_("contact.city, contact.locale, contact.<attribute>, event.total, event.cart.currency …"),
    )
    operator = blocks.ChoiceBlock(choices=OPERATORS, default="equals")
    value = blocks.CharBlock(required=False, help_text=_("Not needed for 'is set'."))

    class Meta:
        icon = "filter"
        label = _("Field condition")


class ActivityConditionBlock(blocks.StructBlock):
    """'Placed an order / opened / clicked … within N days' style conditions."""

    happened = blocks.ChoiceBlock(choices=[("has", _("has")), ("has_not", _("has not"))], default="has")
    activity = blocks.CharBlock(
        label=_("done"),
        help_text=_("An event name (order_completed …), or email_opened / email_clicked for this journey's emails."),
    )
    since = blocks.ChoiceBlock(
        choices=[
            ("entered", _("since entering this sequence")),
            ("step", _("since the previous step")),
            ("days", _("in the last N days")),
        ],
        default="entered",
    )
    days = blocks.IntegerBlock(required=False, min_value=1)
    same_object = blocks.BooleanBlock(
        required=False, help_text=_("Only count events about this journey's object (same checkout/order/subscription).")
    )

    class Meta:
        icon = "history"
        label = _("Activity condition")


class AnyOfBlock(blocks.StructBlock):
    conditions = blocks.StreamBlock([("field", FieldConditionBlock()), ("activity", ActivityConditionBlock())])

    class Meta:
        icon = "list-ul"
        label = _("Any of (OR group)")


def condition_stream_blocks():
    """All top-level conditions must hold (AND); an 'any of' group is an OR."""
    return [("field", FieldConditionBlock()), ("activity", ActivityConditionBlock()), ("any_of", AnyOfBlock())]


WEEKDAYS = [(str(i), name) for i, name in enumerate([_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")])]


class SendWindowBlock(blocks.StructBlock):
    days = blocks.MultipleChoiceBlock(choices=WEEKDAYS, help_text=_("Days the window is open."))
    start = blocks.TimeBlock()
    end = blocks.TimeBlock()

    class Meta:
        icon = "time"
        label = _("Send window")
