from django.core.management.base import BaseCommand

from actionplans.demo import DEMO_PASSWORD, load_demo_users


class Command(BaseCommand):
    help = "Create the demo users (password 'demo') on every seeded board. Demo use only."

    def handle(self, *args, **options):
        users = load_demo_users()
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, description in users:
            self.stdout.write(f"  {username:<16} {description}")
