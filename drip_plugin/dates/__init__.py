"""Date triggers: birthdays, date rules, win-back and subscription renewals.

Each keeps an indexed "next due" timestamp up to date (ContactDate.due_at,
Subscription.next_reminder_at); emit.py (run by the tick) emits the due
ones as ordinary events through track(); zones.py says which zone and local
time everything (step timing and send windows too) uses.
"""
from .contacts import refresh_contact_dates, refresh_rule_dates

__all__ = ["refresh_contact_dates", "refresh_rule_dates"]
