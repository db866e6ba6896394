"""The background task that sends the outbox (`manage.py db_worker` runs it)."""

from django.tasks import task


@task()
def send_outbox() -> dict:
    """Send every message waiting (or hold them, without a mail server): the counts."""
    from .outbox import outbox_send

    return outbox_send().as_dict()
