from django.core.management.base import BaseCommand

from actionplans.seeding import load_seed_plans


class Command(BaseCommand):
    help = "Load the five transcribed seed plans (idempotent: safe to run again)."

    def handle(self, *args, **options):
        for plan in load_seed_plans():
            self.stdout.write(f"{plan.slug}: {plan.actions.count()} actions")
