from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.catalogue import DEFAULT_CATEGORIES_CSV, CategoryFileError, load_categories


class Command(BaseCommand):
    help = "Load or update the case category catalogue from a categories.csv."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATEGORIES_CSV))

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            created, updated = load_categories(path=path)
        except CategoryFileError as exc:
            raise CommandError(f"{path}: nothing loaded.\n{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Categories: {created} created, {updated} updated."))
