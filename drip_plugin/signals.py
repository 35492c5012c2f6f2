"""Signals drip_plugin sends; receivers let each area react to events without
editing the ingest path."""
from django.dispatch import Signal

# Sent inside track()'s transaction, after the Event row is written and
# before enrollment; kwargs: event (drip_plugin.models.Event) and live (the
# live sequences the call has read, engine.enrollment.LiveSequences). A receiver
# that raises rolls the whole event back.
event_tracked = Signal()
