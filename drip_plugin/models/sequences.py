from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, LockableMixin, Orderable, RevisionMixin, WorkflowMixin

from ..conf import drip_settings
from .blocks import SendWindowBlock, condition_stream_blocks


class JourneyPer(models.TextChoices):
    CONTACT = "", _("contact (one journey per person)")
    CHECKOUT = "checkout_id", _("checkout / cart")
    ORDER = "order_id", _("order")
    SUBSCRIPTION = "subscription_id", _("subscription")


class Reentry(models.TextChoices):
    ALWAYS = "always", _("every time (when no journey is running for the same object)")
    ONCE = "once", _("once ever")
    PER_DAYS = "per_days", _("at most once per N days")


class CapAction(models.TextChoices):
    DEFER = "defer", _("defer to the next allowed time")
    SKIP = "skip", _("skip that email (recorded)")


class Sequence(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """A drip campaign: a trigger and ordered steps, edited as a Wagtail snippet.

    The database row always holds the *live* version; drafts live in revisions
    until an editor publishes them, so the engine only ever reads live steps.
    """

    name = models.CharField(_("name"), max_length=200)
    trigger_event = models.CharField(
        _("trigger event"),
        max_length=100,
        db_index=True,
        help_text=_("Event name that enrolls a contact, e.g. signed_up."),
    )
    description = models.TextField(_("description"), blank=True)
    trigger_filters = StreamField(
        condition_stream_blocks(), blank=True, verbose_name=_("trigger filters"),
        help_text=_("Only events and contacts matching all of these start a journey."),
    )
    flow_filters = StreamField(
        condition_stream_blocks(), blank=True, verbose_name=_("flow filters"),
        help_text=_("Re-checked before every email; a contact who no longer matches leaves the sequence."),
    )
    journey_per = models.CharField(
        _("one journey per"), max_length=32, choices=JourneyPer.choices, blank=True, default=JourneyPer.CONTACT
    )
    reentry = models.CharField(_("re-entry"), max_length=16, choices=Reentry.choices, default=Reentry.ALWAYS)
    reentry_days = models.PositiveIntegerField(_("re-entry days"), null=True, blank=True)
    exit_events = models.CharField(
        _("exit events"), max_length=500, blank=True,
        help_text=_("Comma-separated events that end the journey at once, e.g. order_completed."),
    )
    debounce_minutes = models.PositiveIntegerField(
        _("restart window (minutes)"), default=0,
        help_text=_("A repeated trigger for the same object within this window restarts the wait "
                    "before the first email (0: never)."),
    )
    send_windows = StreamField(
        [("window", SendWindowBlock())], blank=True, verbose_name=_("send windows"),
        help_text=_("Emails go out only inside these windows, in the contact's time zone. Empty: any time."),
    )
    transactional = models.BooleanField(
        _("transactional"), default=False, help_text=_("Transactional emails ignore frequency caps.")
    )
    cap_count = models.PositiveIntegerField(_("at most"), null=True, blank=True)
    cap_days = models.PositiveIntegerField(_("emails per days"), null=True, blank=True)
    cap_action = models.CharField(_("when capped"), max_length=8, choices=CapAction.choices, default=CapAction.DEFER)
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"), default=0, validators=[MaxValueValidator(50)],
        help_text=_("This share of entrants is enrolled but sent nothing, to measure what the emails add."),
    )
    goal_event = models.CharField(
        _("goal event"), max_length=100, blank=True,
        help_text=_("The event the sequence is for, e.g. order_completed: its conversion is measured per "
                    "sequence, step and variant, and against the holdout."),
    )
    goal_ends_journey = models.BooleanField(_("reaching the goal ends the journey"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="drip_sequence")
    workflow_states = GenericRelation("wagtailcore.WorkflowState", content_type_field="base_content_type",
                                      object_id_field="object_id", related_query_name="drip_sequence",
                                      for_concrete_model=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("trigger_event"), FieldPanel("trigger_filters"), FieldPanel("journey_per"),
             FieldRowPanel([FieldPanel("reentry"), FieldPanel("reentry_days")]), FieldPanel("debounce_minutes")],
            heading=_("Trigger"),
        ),
        MultiFieldPanel([FieldPanel("exit_events"), FieldPanel("flow_filters")], heading=_("Leaving")),
        MultiFieldPanel([FieldPanel("goal_event"), FieldPanel("goal_ends_journey"), FieldPanel("holdout_percent")],
                        heading=_("Goal and holdout")),
        MultiFieldPanel(
            [FieldPanel("send_windows"), FieldPanel("transactional"),
             FieldRowPanel([FieldPanel("cap_count"), FieldPanel("cap_days"), FieldPanel("cap_action")])],
            heading=_("Timing and caps"),
        ),
        InlinePanel("steps", heading=_("Steps"), label=_("Step"), min_num=1),
    ]

    class Meta:
        verbose_name = _("sequence")

    def __str__(self) -> str:
        return self.name

    @property
    def exit_event_names(self) -> list[str]:
        return [name.strip() for name in self.exit_events.split(",") if name.strip()]

    def clean(self):
        """Event names are checked as `track()` checks them: a malformed one
        could never start or end a journey."""
        super().clean()
        from django.core.exceptions import ValidationError

        from ..exceptions import InvalidEvent
        from ..ingest.catalogue import check_event_name

        errors: dict[str, list[str]] = {}
        for field, names in (("trigger_event", [self.trigger_event]), ("exit_events", self.exit_event_names),
                             ("goal_event", [self.goal_event] if self.goal_event else [])):
            for name in names:
                try:
                    check_event_name(name)
                except InvalidEvent as exc:
                    errors.setdefault(field, []).append(str(exc))
        if errors:
            raise ValidationError(errors)

    def draft_emails(self) -> list:
        """Emails its steps send — with their variants and translations — that
        were never published: a live sequence would pass over them in silence."""
        from .emails import Email

        used = {email for step in self.steps.all() for email in step.emails()}
        return list(Email.objects.filter(translation_key__in={email.translation_key for email in used}, live=False)
                    .select_related("locale").order_by("name", "locale__language_code"))

    def event_name_notes(self) -> list[str]:
        """Warnings for editors about well-formed names the catalogue does not know."""
        from ..ingest.catalogue import unknown_event_notes

        return unknown_event_notes([self.trigger_event, *self.exit_event_names,
                                    *([self.goal_event] if self.goal_event else [])])


class DelayUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")


class StepKind(models.TextChoices):
    EMAIL = "email", _("Send an email")
    SMS = "sms", _("Send an SMS")
    PUSH = "push", _("Send a browser notification (web push)")
    WAIT = "wait", _("Wait only")
    BRANCH = "branch", _("Branch on a condition")
    UPDATE = "update", _("Update a contact attribute")
    EXIT = "exit", _("Exit the sequence")


def fallback_choices() -> list[tuple[str, str]]:
    """Skip, or one of the channels (drip_plugin.channels): read when the
    form is built, so a channel added to CHANNELS needs no migration."""
    from ..channels.registry import channels

    return [("", _("skip the step")), *((c.name, c.fallback_label) for c in channels())]


class Timing(models.TextChoices):
    DELAY = "delay", _("after the wait")
    WEEKDAY = "weekday", _("after the wait, on the next chosen weekday at the chosen time")
    DATE_OFFSET = "date_offset", _("N days before/after a date of the contact or event")
    BEST_TIME = "best_time", _("after the wait, at the contact's best time within N hours")


class ExperimentMetric(models.TextChoices):
    OPEN = "open", _("opens")
    CLICK = "click", _("clicks")
    CONVERSION = "conversion", _("goal conversions (attributed orders without a goal)")
    REVENUE = "revenue", _("revenue per recipient")


class ExperimentState(models.TextChoices):
    RUNNING = "running", _("running")
    STOPPED = "stopped", _("stopped: everyone gets the winner, or A")
    ARCHIVED = "archived", _("archived: stopped and hidden from the report")


class Step(ClusterableModel, Orderable):
    """One step of a sequence, taken when its timing comes due.

    Steps run in order; a branch whose condition is false jumps to the step
    with the label in `if_false_goto` (or ends the journey when empty).
    """

    sequence = ParentalKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=10, choices=StepKind.choices, default=StepKind.EMAIL)
    label = models.SlugField(_("label"), max_length=50, blank=True, help_text=_("Name a step to jump to it."))
    timing = models.CharField(_("timing"), max_length=12, choices=Timing.choices, default=Timing.DELAY)
    delay_amount = models.PositiveIntegerField(
        _("wait"), default=0, help_text=_("How long after the previous step (or enrollment).")
    )
    delay_unit = models.CharField(_("unit"), max_length=10, choices=DelayUnit.choices, default=DelayUnit.DAYS)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), null=True, blank=True, choices=[(i, d) for i, d in enumerate(
            [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")])]
    )
    at_time = models.TimeField(_("at"), null=True, blank=True, help_text=_("In the contact's time zone."))
    date_field = models.CharField(
        _("date"), max_length=100, blank=True, help_text=_("e.g. event.subscription.renews_at or contact.birthday")
    )
    offset_days = models.IntegerField(_("days from that date"), default=0, help_text=_("-7 = a week before."))
    best_time_within_hours = models.PositiveSmallIntegerField(
        _("best time within (hours)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("Best time: after the wait, the email waits up to this many hours for the hour at which this "
                    "contact usually opens and clicks (in their time zone), inside the send windows. With too "
                    "little data: the hour most contacts read; with none: as soon as the send windows allow."),
    )
    # PROTECT: an email still used by a step cannot be deleted from under it.
    email = models.ForeignKey(
        "drip_plugin.Email", on_delete=models.PROTECT, related_name="steps", null=True, blank=True
    )
    sms = models.ForeignKey(
        "drip_plugin.SmsText", on_delete=models.PROTECT, related_name="steps", null=True, blank=True,
        verbose_name=_("SMS"),
    )
    push = models.ForeignKey(
        "drip_plugin.PushNotification", on_delete=models.PROTECT, related_name="steps", null=True, blank=True,
        verbose_name=_("browser notification"),
    )
    # When the contact cannot get the step on its channel (no phone number or
    # no SMS consent, …): skip it, or send it on another channel, with the
    # content the step has for that one (its email, its SMS, …).
    fallback = models.CharField(
        _("if the contact cannot get it"), max_length=16, blank=True, choices=fallback_choices,
        help_text=_("Skipped (recorded) by default, or sent on another channel: the step needs content for it."),
    )
    # A/B/n test: the email above is variant A with this weight; the step's
    # variants (StepVariant) are B, C, … with theirs. engine.variants picks one
    # per enrollment; Message.variant records which one went.
    control_weight = models.PositiveSmallIntegerField(
        _("weight of A (the email above)"), default=50, validators=[MinValueValidator(1)],
        help_text=_("Used when the step has variants: A's share is its weight over the sum of all weights."),
    )
    experiment_metric = models.CharField(_("decided on"), max_length=12, choices=ExperimentMetric.choices,
                                         default=ExperimentMetric.CLICK)
    experiment_horizon = models.PositiveIntegerField(
        _("recipients per variant"), default=1000, validators=[MinValueValidator(100)],
        help_text=_("The test is read once, when every variant has this many recipients (fixed horizon)."),
    )
    experiment_confidence = models.PositiveSmallIntegerField(
        _("confidence (%)"), default=95, validators=[MinValueValidator(80), MaxValueValidator(99)],
    )
    auto_winner = models.BooleanField(
        _("send the winner automatically"), default=False,
        help_text=_("Once the test has a winner, new sends go to it (recorded in the report, reversible)."),
    )
    experiment_state = models.CharField(_("experiment"), max_length=10, choices=ExperimentState.choices,
                                        default=ExperimentState.RUNNING)
    condition = StreamField(condition_stream_blocks(), blank=True, verbose_name=_("branch condition"))
    if_false_goto = models.SlugField(_("if false, go to"), max_length=50, blank=True,
                                     help_text=_("Label of the step to jump to; empty ends the journey."))
    attribute_name = models.CharField(_("attribute"), max_length=100, blank=True)
    attribute_value = models.CharField(_("value"), max_length=255, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("label")]),
        MultiFieldPanel(
            [FieldPanel("timing"), FieldRowPanel([FieldPanel("delay_amount"), FieldPanel("delay_unit")]),
             FieldRowPanel([FieldPanel("weekday"), FieldPanel("at_time")]),
             FieldRowPanel([FieldPanel("date_field"), FieldPanel("offset_days")]),
             FieldPanel("best_time_within_hours")],
            heading=_("When"),
        ),
        FieldPanel("email"),
        FieldRowPanel([FieldPanel("sms"), FieldPanel("push"), FieldPanel("fallback")]),
        MultiFieldPanel(
            [InlinePanel("variants", label=_("Variant")),
             FieldRowPanel([FieldPanel("control_weight"), FieldPanel("experiment_metric")]),
             FieldRowPanel([FieldPanel("experiment_horizon"), FieldPanel("experiment_confidence")]),
             FieldRowPanel([FieldPanel("auto_winner"), FieldPanel("experiment_state")])],
            heading=_("A/B/n test"),
        ),
        MultiFieldPanel([FieldPanel("condition"), FieldPanel("if_false_goto")], heading=_("Branch")),
        FieldRowPanel([FieldPanel("attribute_name"), FieldPanel("attribute_value")], heading=_("Update")),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("step")

    def __str__(self) -> str:
        return self.label or f"{self.get_kind_display()} #{(self.sort_order or 0) + 1}"

    def email_for_variant(self, variant: str):
        """The email a message of this step sends, given the variant it got
        (engine.variants.choose_variant); "A" and "" send `email`."""
        chosen = next((v for v in self.variants.all() if v.label == variant), None)
        return chosen.email if chosen else self.email

    def variant_labels(self) -> list[str]:
        """"A", "B", … on a tested step; [""] on another (the report's rows)."""
        labels = sorted(variant.label for variant in self.variants.all())
        return ["A", *labels] if labels else [""]

    def emails(self) -> list:
        """Its email and its variants' emails."""
        return [email for email in (self.email, *(v.email for v in self.variants.all())) if email]

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == StepKind.EMAIL and not self.email_id:
            errors["email"] = _("An email step needs an email.")
        if self.kind == StepKind.SMS and not self.sms_id:
            errors["sms"] = _("An SMS step needs an SMS text.")
        if self.kind == StepKind.PUSH and not self.push_id:
            errors["push"] = _("A browser notification step needs a notification.")
        if self.kind == StepKind.PUSH and not drip_settings.PUSH_ENABLED:
            errors["kind"] = _("Web push is off: set PUSH_ENABLED and the VAPID keys first (see the web push docs).")
        if self.fallback:
            errors.update(self._fallback_errors())
        if self.timing == Timing.WEEKDAY and (self.weekday is None or self.at_time is None):
            errors["weekday"] = _("Choose a weekday and a time.")
        if self.timing == Timing.DATE_OFFSET and not self.date_field:
            errors["date_field"] = _("Name the date, e.g. event.subscription.renews_at.")
        if self.kind == StepKind.UPDATE and not self.attribute_name:
            errors["attribute_name"] = _("Name the attribute to update.")
        if errors:
            raise ValidationError(errors)

    def _fallback_errors(self) -> dict:
        from ..channels.registry import channel_for_step, channel_named

        fallback = channel_named(self.fallback)
        if fallback is None or fallback is channel_for_step(self):
            return {"fallback": _("Choose another channel than the step's own.")}
        if not fallback.has_content(self):
            return {"fallback": _("The step has no content for %(channel)s: add it above.")
                    % {"channel": fallback.label}}
        return {}

    @property
    def delay(self) -> timedelta:
        return timedelta(**{self.delay_unit: self.delay_amount})


VARIANT_LABELS = "BCDEFGH"


class StepVariant(Orderable):
    """Another email tested against its step's email (variant A)."""

    step = ParentalKey(Step, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(_("variant"), max_length=1, choices=[(c, c) for c in VARIANT_LABELS])
    # PROTECT: an email still tested by a step cannot be deleted from under it.
    email = models.ForeignKey("drip_plugin.Email", on_delete=models.PROTECT, related_name="variant_of_steps")
    weight = models.PositiveSmallIntegerField(_("weight"), default=50, validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("label"), FieldPanel("email"), FieldPanel("weight")])]

    class Meta(Orderable.Meta):
        verbose_name = _("step variant")
        constraints = [models.UniqueConstraint(fields=["step", "label"], name="drip_one_variant_label_per_step")]

    def __str__(self) -> str:
        return f"{self.step} · {self.label}"


class ExperimentDecision(models.Model):
    """The reading of a step's test at its horizon: when, the figures, the
    rule, and the winner ("" for none). Reverting it sends by the weights again."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="experiment_decisions")
    decided_at = models.DateTimeField()
    metric = models.CharField(max_length=12, choices=ExperimentMetric.choices)
    winner = models.CharField(max_length=1, blank=True)
    rule = models.TextField()
    figures = models.JSONField(default=dict)
    verdict = models.TextField()
    applied = models.BooleanField(default=False, help_text="New sends go to the winner (auto-winner).")
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("experiment decision")
        constraints = [models.UniqueConstraint(fields=["step"], name="drip_one_decision_per_step")]

    def __str__(self) -> str:
        return self.verdict
