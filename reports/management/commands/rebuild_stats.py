from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reports import stats


def _month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"--month: expected YYYY-MM, got {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute the stored statistics (DOMAIN.md §7) from the cases: every month, or the given ones."

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", default=[], help="YYYY-MM (repeatable); default: every month")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, month: list[str], no_progress: bool, **options):
        months = [_month(m) for m in month] or None
        total = len(months) if months else len(stats._filed_months())
        with tqdm(total=total, unit="month", disable=no_progress, desc="rebuild_stats") as bar:
            done = stats.rebuild(months, progress=bar.update)
            bar.update(total - bar.n)
        self.stdout.write(f"recomputed {len(done)} month(s): " + ", ".join(m.strftime("%Y-%m") for m in done))
