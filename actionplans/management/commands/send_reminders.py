"""Queue what is due today (reminders, chasers, digests, notices) and have it sent.

Safe to run from cron every hour: each message is queued once (its key), and sending
happens in the background worker (`manage.py db_worker`).
"""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actionplans.evidence.services import rescan_waiting
from actionplans.notifications import outbox, schedule
from actionplans.notifications.tasks import send_outbox


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--on takes a date as YYYY-MM-DD (for example 2027-01-21), not {value!r}."
        ) from None


class Command(BaseCommand):
    help = (
        "Queue the invitations, reminders, chasers, daily digests and notices due today "
        "(or --on another day) and ask the worker to send them. Run it every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", help="run as of this day (YYYY-MM-DD): catch up, or test")
        parser.add_argument(
            "--loop", action="store_true", help="keep running, once every --every seconds"
        )
        parser.add_argument("--every", type=int, default=3600, help="seconds between runs")

    def handle(self, *args, on=None, loop=False, every=3600, **options):
        day = _day(on) if on else None
        if loop and day:
            raise CommandError("--loop runs as of each real day: leave out --on.")
        if every < 1:
            raise CommandError("--every takes a number of seconds, 1 or more.")
        while True:
            self.run_once(day)
            if not loop:
                return
            time.sleep(every)

    def run_once(self, day: datetime.date | None) -> None:
        today = day or timezone.localdate()
        if day is None and timezone.localtime().hour < settings.REMINDERS_HOUR:
            self.stdout.write(
                f"Before {settings.REMINDERS_HOUR}:00: nothing new is queued yet today."
            )
            counts = {}
        else:
            counts = schedule.day_queue(on=today)
            summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"
            self.stdout.write(f"As of {today:%Y-%m-%d}: queued {summary}.")
        rescans = rescan_waiting()
        if rescans:
            self.stdout.write(f"{rescans} evidence file(s) still being checked: scanning again.")
        waiting = outbox.waiting_count()
        if waiting:
            send_outbox.enqueue()
            self.stdout.write(f"{waiting} message(s) to send: the worker sends them.")
