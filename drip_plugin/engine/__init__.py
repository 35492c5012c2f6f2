from .enrollment import enroll, enroll_for_event
from .exits import exit_on_event
from .progress import advance_due_enrollments

__all__ = ["advance_due_enrollments", "enroll", "enroll_for_event", "exit_on_event"]
