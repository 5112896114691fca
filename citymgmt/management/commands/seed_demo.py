"""Load the demo city. Idempotent: a second run leaves the data as it is."""

import time

from django.core.management.base import BaseCommand

from cases import demo as cases_demo
from cases.catalogue import load_categories
from org import demo
from org.services import sync_work_calendar
from patrols import demo as patrols_demo
from reports import demo as reports_demo
from sanitation import demo as sanitation_demo


class Command(BaseCommand):
    help = (
        "Load the demo city (示范市): territory, departments, categories, calendar, demo users "
        "six months of case history, sanitation and patrol records, and their statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")
        parser.add_argument(
            "--cases",
            type=int,
            default=cases_demo.DEMO_CASES,
            help=f"demo cases to generate through the case services (default {cases_demo.DEMO_CASES}; 0: none)",
        )

    def handle(self, *args, quiet_logins: bool = False, cases: int = cases_demo.DEMO_CASES, **options):
        started = time.monotonic()
        steps = [
            ("territory", demo.seed_territory),
            ("departments", demo.seed_departments),
            ("categories", lambda: load_categories()),
            ("work calendar", lambda: sync_work_calendar()),
            ("users", demo.seed_users),
            ("cases", lambda: cases_demo.seed_cases(count=cases)),
            ("sanitation", sanitation_demo.seed_sanitation),
            ("open311 client", cases_demo.seed_open311_client),
        ]
        if cases:
            steps.append(("patrols", patrols_demo.seed_patrols))
        # Last: the figures read the cases, and the ranking the sanitation scores.
        steps.append(("reports", reports_demo.seed_reports))
        for label, step in steps:
            t0 = time.monotonic()
            result = step()
            self.stdout.write(f"  {label:<14} {result}  ({time.monotonic() - t0:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"Demo city ready in {time.monotonic() - started:.1f} s."))
        if not quiet_logins:
            self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        for login in demo.demo_logins():
            self.stdout.write(f"  {login.username:<24} {login.note}")
        self.stdout.write("")
        self.stdout.write("Without a login: the public reporting page /report/ and Open311 at /open311/v2/")
        self.stdout.write(f"  Open311 demo api_key   {cases_demo.DEMO_OPEN311_KEY}")
