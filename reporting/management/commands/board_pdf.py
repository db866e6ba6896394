"""`manage.py board_pdf --plan SLUG [--plan SLUG ...] -o FILE`: a board pack from the shell."""

import datetime
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actionplans.models import Plan
from reporting import pdf, selectors


def _day(value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as bad:
        raise CommandError(f"--as-at {value!r} is not a date: use YYYY-MM-DD.") from bad
    if day > timezone.localdate():
        raise CommandError(f"--as-at {value} is in the future.")
    return day


class Command(BaseCommand):
    help = (
        "Write the board pack PDF of one plan or several (a composite report), "
        "optionally as the plans stood at the end of a past date, or the public version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan", action="append", required=True, metavar="SLUG", help="Repeat for several."
        )
        parser.add_argument("--group-by", choices=selectors.GROUP_BY, default="theme")
        parser.add_argument("--as-at", metavar="YYYY-MM-DD", help="Default: today.")
        parser.add_argument(
            "--public", action="store_true", help="No names or initials of individual leads."
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, **options):
        as_at = _day(options["as_at"]) if options["as_at"] else None
        try:
            plans = selectors.plans_by_slug(
                options["plan"], visible=Plan.objects.select_related("board")
            )
        except Plan.DoesNotExist as missing:
            known = ", ".join(Plan.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"{missing} Known plans: {known or 'none'}.") from missing
        started = time.perf_counter()
        pack = selectors.board_pack(
            plans=plans,
            group_by=options["group_by"],
            as_at=as_at,
            public=options["public"],
            trend=True,
        )
        content = pdf.render_pack(pack)
        output = Path(options["output"])
        output.write_bytes(content)
        self.stdout.write(
            f"Wrote {output} ({pack.action_count} actions, {len(content) // 1024} KB) "
            f"in {time.perf_counter() - started:.1f} s."
        )
