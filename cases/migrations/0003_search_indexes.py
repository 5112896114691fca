"""Indexes for the case list's text search (q) on PostgreSQL.

Trigram GIN indexes let `address ILIKE '%…%'` and `description ILIKE '%…%'`
use an index instead of scanning a million rows; varchar_pattern_ops lets a
number prefix (`LIKE '20261121%'`) use an index whatever the collation.
SQLite (the embedded mode) has none of this and needs none of it.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_address_trgm ON cases_case USING gin (address gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_description_trgm ON cases_case USING gin (description gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_number_prefix ON cases_case (number varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS case_number_prefix",
    "DROP INDEX IF EXISTS case_description_trgm",
    "DROP INDEX IF EXISTS case_address_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_lifecycle")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
