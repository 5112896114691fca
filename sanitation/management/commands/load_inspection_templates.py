"""Create the starter inspection templates of DOMAIN.md §9 (road cleaning, public toilets)."""

from django.core.management.base import BaseCommand

from sanitation.inspections import load_starter_templates


class Command(BaseCommand):
    help = "Create the starter inspection templates that are missing; edited templates are kept as they are."

    def handle(self, *args, **options):
        templates, items = load_starter_templates()
        self.stdout.write(f"inspection templates created: {templates}, items: {items}")
