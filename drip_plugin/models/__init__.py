from .consents import Consent
from .contacts import Contact
from .delivery import MessageEvent, Suppression
from .dates import ContactDate, DateRule
from .emails import Email
from .enrollments import Enrollment
from .events import Event
from .imports import ContactImport
from .layouts import Layout
from .messages import Message
from .products import ContactProduct, LearningCursor, Product, ProductPair
from .sequences import ExperimentDecision, Sequence, Step, StepVariant
from .stats import SequenceDay, SequenceDayExit, StepDay, StepDayRevenue
from .subscriptions import Subscription

__all__ = [
    "Consent",
    "Contact",
    "ContactProduct",
    "ContactDate",
    "ContactImport",
    "DateRule",
    "Email",
    "Enrollment",
    "Event",
    "ExperimentDecision",
    "Layout",
    "LearningCursor",
    "Message",
    "MessageEvent",
    "Product",
    "ProductPair",
    "Sequence",
    "Step",
    "SequenceDay",
    "SequenceDayExit",
    "StepDay",
    "StepDayRevenue",
    "StepVariant",
    "Subscription",
    "Suppression",
]
