"""The background task that sends the outbox (`manage.py db_worker` runs it)."""

from django.tasks import task


@task()
def send_outbox() -> dict:
    """Send every message waiting (or hold them, without a mail server): the counts."""
    from .outbox import outbox_send

    return outbox_send().as_dict()


@task()
def queue_invitations(round_id: int) -> int:
    """A newly opened round's invitations, one a lead (composed here, not in the
    manager's request: a round may ask hundreds of leads); then the outbox is sent."""
    from actionplans.models import Round

    from . import send_soon
    from .schedule import round_invitations_queue

    queued = round_invitations_queue(Round.objects.select_related("board").get(pk=round_id))
    if queued:
        send_soon()
    return queued
