from .outbox import send_due_messages

__all__ = ["send_due_messages"]
