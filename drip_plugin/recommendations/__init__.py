"""Product recommendations computed from the shop's events: learned by the
tick (learn.py), read per sending batch (lookup.py)."""
