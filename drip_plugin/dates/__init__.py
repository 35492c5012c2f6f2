"""Date triggers: birthdays, date rules, win-back and subscription renewals.

Each keeps an indexed "next due" timestamp up to date (ContactDate.due_at,
Subscription.next_reminder_at); drip_plugin.scheduling.dates emits the due
ones as ordinary events through track().
"""
from .contacts import refresh_contact_dates, refresh_rule_dates

__all__ = ["refresh_contact_dates", "refresh_rule_dates"]
