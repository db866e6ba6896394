"""manage.py close_round ID [--by USERNAME]: close a round, keeping its summary and the
board pack for its meeting."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from actionplans.models import Round
from actionplans.rounds.services import round_close

from .open_round import board_manager


class Command(BaseCommand):
    help = "Close a round of updates."

    def add_arguments(self, parser):
        parser.add_argument("round_id", type=int)
        parser.add_argument("--by", help="The business manager closing it.")

    def handle(self, *args, **options):
        round = Round.objects.select_related("board").filter(pk=options["round_id"]).first()
        if round is None:
            raise CommandError(f"No round {options['round_id']}.")
        by = board_manager(round.board, options["by"])
        try:
            round = round_close(round=round, by=by)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        summary = round.summary
        self.stdout.write(
            f"Closed “{round}”: {summary['response_rate']}% of {summary['owed']} updates received."
        )
