from django.core.management.base import BaseCommand

from actionplans.demo_history import load_demo_history


class Command(BaseCommand):
    help = (
        "Add three past quarterly rounds with approved updates to the seed plans, and one "
        "open now with some replies in, so the "
        "dashboards have a history to show. Demo use only; running it again adds nothing."
    )

    def handle(self, *args, **options):
        rounds = load_demo_history()
        if not rounds:
            self.stdout.write("Demo history: already loaded, nothing added.")
        for round in rounds:
            state = "open now" if round.is_open else "closed"
            self.stdout.write(f"Demo history: {round.board.short_name} {round.name}, {state}")
