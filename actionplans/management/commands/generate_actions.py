from django.core.management.base import BaseCommand

from actionplans.synthetic import generate_actions


class Command(BaseCommand):
    help = "Make a synthetic board with many actions and history rows (benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument("--board", default="synthetic")
        parser.add_argument("--actions", type=int, default=10_000)
        parser.add_argument("--history", type=int, default=100_000)

    def handle(self, *args, **options):
        board = generate_actions(
            board_slug=options["board"], actions=options["actions"], history=options["history"]
        )
        self.stdout.write(f"{board.slug}: {options['actions']} actions generated")
