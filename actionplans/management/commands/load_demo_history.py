from django.core.management.base import BaseCommand

from actionplans.demo_history import load_demo_history


class Command(BaseCommand):
    help = (
        "Add three past quarterly rounds with approved updates to the seed plans, so the "
        "dashboards have a history to show. Demo use only; running it again adds nothing."
    )

    def handle(self, *args, **options):
        rounds = load_demo_history()
        if not rounds:
            self.stdout.write("Demo history: already loaded, nothing added.")
        for round in rounds:
            self.stdout.write(f"Demo history: {round.board.short_name} {round.name}")
