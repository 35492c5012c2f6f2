from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

# Longest offset a rule may use: a year either side keeps yearly rules unambiguous.
MAX_OFFSET_DAYS = 366


def parse_days(value: str) -> list[int]:
    """'14, 3, 1' -> [14, 3, 1]; raises ValidationError on anything else."""
    try:
        days = [int(part) for part in str(value).replace(" ", "").split(",") if part != ""]
    except ValueError:
        raise ValidationError(_("Write whole numbers of days separated by commas, e.g. 7, 1.")) from None
    if not days or any(d < 0 or d > MAX_OFFSET_DAYS for d in days):
        raise ValidationError(_("Give at least one number of days between 0 and %(max)s.") % {"max": MAX_OFFSET_DAYS})
    return days


class Direction(models.TextChoices):
    BEFORE = "before", _("before the date")
    AFTER = "after", _("after the date")


class DateRule(models.Model):
    """'Emit <event> N days before/after <date>' for every contact with that date.

    A rule is not a sequence: it only emits an ordinary event (through track())
    that sequences trigger on, so the email side stays the same for every trigger.
    """

    name = models.CharField(_("name"), max_length=200)
    event_name = models.CharField(
        _("event to emit"),
        max_length=100,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]{0,99}$", _("Use snake_case, e.g. renewal_due."))],
        help_text=_("Sequences whose trigger is this event start when it is emitted."),
    )
    source = models.CharField(
        _("date"),
        max_length=100,
        help_text=_("'birthday', or the name of a contact attribute holding an ISO date (e.g. renewal_date)."),
    )
    days = models.CharField(
        _("days"), max_length=100, default="0", validators=[parse_days], help_text=_("e.g. '7, 1' or '0'.")
    )
    direction = models.CharField(_("when"), max_length=6, choices=Direction.choices, default=Direction.BEFORE)
    yearly = models.BooleanField(
        _("every year"), default=False, help_text=_("Anniversary: repeat on the date's month and day each year.")
    )
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("event_name"),
        FieldPanel("source"),
        FieldPanel("days"),
        FieldPanel("direction"),
        FieldPanel("yearly"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = _("date rule")

    def __str__(self) -> str:
        return self.name

    @property
    def offsets(self) -> list[int]:
        """Signed day offsets from the date (-7 = a week before)."""
        sign = -1 if self.direction == Direction.BEFORE else 1
        return sorted({sign * d for d in parse_days(self.days)})


class DateKind(models.TextChoices):
    BIRTHDAY = "birthday", _("birthday")
    RULE = "rule", _("date rule")
    WINBACK = "winback", _("win-back")


class ContactDate(models.Model):
    """The next date-driven event of one contact for one source.

    The scheduler finds due rows through the partial index on `due_at`, so a
    tick costs the number of due rows, never the number of contacts.
    """

    contact = models.ForeignKey("drip_plugin.Contact", on_delete=models.CASCADE, related_name="dates")
    kind = models.CharField(max_length=16, choices=DateKind.choices)
    rule = models.ForeignKey(DateRule, on_delete=models.CASCADE, null=True, blank=True, related_name="contact_dates")
    # The pending emit: which occurrence of the date it is about (this year's
    # birthday, the renewal date, the last order's day) and the offset in days.
    occurrence = models.DateField(null=True, blank=True)
    offset = models.IntegerField(default=0)
    # NULL when nothing is pending, so the index only holds work to come.
    due_at = models.DateTimeField(null=True, blank=True)
    # When the last emit was due: recomputing never goes back before it.
    last_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact date")
        indexes = [models.Index(fields=["due_at"], name="drip_contactdate_due", condition=Q(due_at__isnull=False))]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind"], condition=Q(rule__isnull=True), name="drip_one_builtin_date"
            ),
            models.UniqueConstraint(
                fields=["contact", "rule"], condition=Q(rule__isnull=False), name="drip_one_rule_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.contact_id} due {self.due_at}"
