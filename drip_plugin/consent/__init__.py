"""Who may be mailed: consent records, unsubscribes, opt-outs and the
suppression list (suppression.py), and data-subject requests — export and
erase (gdpr.py). Every change of a contact's subscription, from the public
API, the preference centre, ESP events or the admin, goes through here."""
