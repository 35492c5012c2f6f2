"""Every link drip puts in an email, in one place: absolute routes
(routes.py), signed tokens and their salts, which the public views read back
(signed.py), and the open pixel and click redirects (instrument.py)."""
