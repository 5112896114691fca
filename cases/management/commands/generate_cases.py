"""Write many realistic cases fast, for benchmarks (not through the services)."""

import time

from django.core.management.base import BaseCommand, CommandError

from cases.generate import analyze, generate_cases


class Command(BaseCommand):
    help = (
        "Generate N realistic cases for benchmarks with PostgreSQL COPY (bulk_create on SQLite), spread over "
        "the last --months months. Not through the case services: never run it on production data."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="number of cases")
        parser.add_argument("--months", type=int, default=12, help="spread the cases over this many months (12)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1): the same seed, the same cases")
        parser.add_argument("--batch", type=int, default=20_000, help="cases per COPY transaction (20000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, count: int, months: int, seed: int, batch: int, no_progress: bool, **options):
        if count < 0 or months < 1 or batch < 1:
            raise CommandError("count must be ≥ 0, --months and --batch ≥ 1")
        try:
            result = generate_cases(count, months=months, seed=seed, batch=batch, progress=not no_progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.monotonic()
        analyze()
        self.stdout.write(f"VACUUM ANALYZE in {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Generated: {result}"))
