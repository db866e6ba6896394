"""manage.py open_round --board SLUG --plan SLUG [--plan SLUG ...] --name TEXT
--deadline YYYY-MM-DD --meeting YYYY-MM-DD [--reminder-days N] [--by USERNAME]

Opens a round of updates, as the Rounds page does, and queues its invitations for the
worker. Refused with a one-line message and a non-zero exit, writing nothing, when the
deadline is past, the meeting is before the deadline, a plan is unknown or already in
an open round.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from actionplans.models import Membership, Plan, Role
from actionplans.rounds.services import RoundRequest, round_open
from reviews.models import Board


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date: write it as YYYY-MM-DD.") from None


def board_manager(board, username: str | None):
    """The business manager a command acts as: the one named, or the board's first."""
    memberships = Membership.objects.filter(board=board, role=Role.MANAGER)
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not memberships.filter(user=user).exists():
            raise CommandError(f"{username} is not a business manager of {board}.")
        return user
    membership = memberships.select_related("user").order_by("id").first()
    if membership is None:
        raise CommandError(f"{board} has no business manager: add one first.")
    return membership.user


class Command(BaseCommand):
    help = "Open a round of updates for a board meeting and send its invitations."

    def add_arguments(self, parser):
        parser.add_argument("--board", required=True, help="The board's slug.")
        parser.add_argument("--plan", action="append", required=True, help="A plan's slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--deadline", required=True, type=str)
        parser.add_argument("--meeting", required=True, type=str)
        parser.add_argument("--reminder-days", type=int, default=7)
        parser.add_argument(
            "--by", help="The business manager opening it (default: the board's first)."
        )

    def handle(self, *args, **options):
        board = Board.objects.filter(slug=options["board"]).first()
        if board is None:
            raise CommandError(f"No board “{options['board']}”.")
        plans = list(Plan.objects.filter(board=board, slug__in=options["plan"]))
        unknown = sorted(set(options["plan"]) - {plan.slug for plan in plans})
        if unknown:
            raise CommandError(f"No plan of {board.short_name} called: {', '.join(unknown)}.")
        by = board_manager(board, options["by"])
        request = RoundRequest(
            board=board,
            name=options["name"],
            deadline=iso_date(options["deadline"]),
            meeting_date=iso_date(options["meeting"]),
            plans=plans,
            reminder_days=options["reminder_days"],
        )
        try:
            round = round_open(request=request, by=by)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Opened round {round.pk} “{round}”: {round.items.count()} actions, "
            f"deadline {round.deadline:%d/%m/%Y}. Invitations are queued for the worker."
        )
