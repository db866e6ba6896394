"""Signals for the layers above: `reporting` listens, `actionplans` never imports it."""

from django.dispatch import Signal

# Sent (after the transaction commits) when a round closes: round=Round, by=User.
# Reporting keeps the board pack for that meeting with the round.
round_closed = Signal()
