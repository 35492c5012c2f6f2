from .consents import Consent
from .contacts import Contact
from .delivery import MessageEvent, Suppression
from .dates import ContactDate, DateRule
from .emails import Email
from .enrollments import Enrollment
from .events import Event
from .imports import ContactImport
from .layouts import Layout
from .links import ShortLink
from .messages import Message
from .send_time import ContactSendTime, PopulationSendTime, SendTimeSignal
from .products import ContactProduct, LearningCursor, Product, ProductPair
from .sequences import ExperimentDecision, Sequence, Step, StepVariant
from .sms import SmsText
from .stats import SequenceDay, SequenceDayExit, StepDay, StepDayRevenue
from .subscriptions import Subscription
# Defined with its channel; imported here so that Django registers it.
from ..channels.push.models import PushNotification, PushSubscription

__all__ = [
    "Consent",
    "Contact",
    "ContactProduct",
    "ContactDate",
    "ContactImport",
    "ContactSendTime",
    "DateRule",
    "Email",
    "Enrollment",
    "Event",
    "ExperimentDecision",
    "Layout",
    "LearningCursor",
    "Message",
    "PushNotification",
    "PushSubscription",
    "MessageEvent",
    "PopulationSendTime",
    "SendTimeSignal",
    "Product",
    "ProductPair",
    "Sequence",
    "SmsText",
    "Step",
    "SequenceDay",
    "ShortLink",
    "SequenceDayExit",
    "StepDay",
    "StepDayRevenue",
    "StepVariant",
    "Subscription",
    "Suppression",
]
