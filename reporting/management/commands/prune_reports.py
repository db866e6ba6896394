"""`manage.py prune_reports`: delete old stored PDFs and cached pack parts (run it daily)."""

from django.core.management.base import BaseCommand, CommandError

from reporting.storage import prune_reports


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError as bad:
        raise CommandError(f"{value!r} is not a number of days.") from bad
    if days < 0:
        raise CommandError("A number of days cannot be negative.")
    return days


class Command(BaseCommand):
    help = (
        "Delete PDFs the worker rendered more than REPORT_KEEP_DAYS ago (90) and cached "
        "board pack parts unused for REPORT_PART_CACHE_DAYS (120)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=_days, help="Keep stored reports this many days.")
        parser.add_argument("--part-days", type=_days, help="Keep unused parts this many days.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would go; delete nothing."
        )

    def handle(self, *, days, part_days, dry_run, **options):
        outcome = prune_reports(keep_days=days, part_days=part_days, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {outcome}.")
