from django.core.management.base import BaseCommand

from plantwright.demo import DEMO_PASSWORD, demo_loaded, demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo plant (two sites, assets, users in every role, WOs) unless it is already there."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has users of its own."
        )

    def handle(self, *args, if_empty: bool, **options):
        from plantwright.accounts.models import User

        if not demo_loaded():
            if if_empty and User.objects.exists():
                self.stdout.write("The database has its own users; demo data not loaded.")
                return
            load_demo()
            self.stdout.write(self.style.SUCCESS("Demo plant loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, description in demo_logins():
            self.stdout.write(f"  {username:<14} {description}")
