"""What the emails did: orders credited to the email that led to them
(conversions.py) and the per-step figures of the admin report (reports.py)."""
