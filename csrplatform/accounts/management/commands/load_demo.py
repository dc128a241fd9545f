from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from audits import demo as audits_demo
from csrplatform.accounts import demo as accounts_demo
from metrics import demo as metrics_demo
from pilots import demo as pilots_demo
from pilots import demo_child_spaces, demo_value_chains
from suppliers import demo as suppliers_demo


class Command(BaseCommand):
    help = "Load the seed programme's demo data (seeds/000). Safe to run again: it updates."

    @transaction.atomic
    def handle(self, *args, **options):
        organisations = suppliers_demo.load()
        users = accounts_demo.load(organisations)
        pilots = pilots_demo.load(organisations)
        audits = audits_demo.load(organisations)
        figures = metrics_demo.load(organisations)
        value_chains = demo_value_chains.load(organisations)
        child_spaces = demo_child_spaces.load(organisations)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(organisations)} organisations, {len(users)} users, "
                f"{len(pilots)} pilots ({sum(created for _title, created in pilots)} new)."
            )
        )
        self.stdout.write(f"Programme: {pilots_demo.PROGRAMME['title']}")
        for title, created in pilots:
            self.stdout.write(f"  {title:<36} {'created' if created else 'already there, kept'}")
        self.stdout.write(
            f"Audits: {len(audits)} ({sum(created for _label, created in audits)} new)."
        )
        for label, created in audits:
            self.stdout.write(f"  {label:<64} {'created' if created else 'already there, kept'}")
        self.stdout.write(
            "Costs, benefits and KPIs of seeds/000: "
            + ("entered." if figures else "already there, kept.")
        )
        self.stdout.write(
            f"Programme: {demo_value_chains.TITLE} (seeds/004): "
            + ("created." if value_chains else "already there, kept.")
        )
        self.stdout.write(
            f"Programme: {demo_child_spaces.TITLE}: "
            + ("created." if child_spaces else "already there, kept.")
        )
        self.stdout.write(f"Demo users (password: {settings.DEMO_PASSWORD}):")
        for email, description in users:
            self.stdout.write(f"  {email:<30} {description}")
