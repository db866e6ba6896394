"""Email the app sends: what the round and the workflow call when something happens.

Each function only records what is due (in the outbox) and queues the sending on the
background worker, after the current transaction commits; nothing is sent inside a
request. See `outbox.py` for the sending and `schedule.py` for what `send_reminders`
decides is due.
"""


def round_opened(round) -> None:
    """Invitations to every lead asked in a newly opened round."""


def update_returned(update) -> None:
    """Tell the author their update was returned, with the reason."""


def update_approved(update) -> None:
    """Tell the author their update was approved, if they asked to be told."""


def board_challenged(item) -> None:
    """Tell the action's leads the board did not sign it off yet, and why."""
