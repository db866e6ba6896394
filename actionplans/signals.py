"""Signals for the layers above: `reporting` listens, `actionplans` never imports it."""

from django.dispatch import Signal

# Sent (after the transaction commits) when a round closes: round=Round, by=User.
# Reporting keeps the board pack for that meeting with the round.
round_closed = Signal()

# Sent (after the transaction commits) when actions were written in bulk, without a
# save() of each (an import): plan_ids=[...]. Reporting renders their packs again.
actions_written = Signal()
