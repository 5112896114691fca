"""Case events are append-only in the database itself (issue 9, STYLE.md "the history row
is never updated or deleted").

``CaseEvent.save``/``delete`` already refuse in Python, but a queryset ``update()``, a
cascade from deleting a case, the admin, a shell or raw SQL would not pass through them.
These triggers refuse every UPDATE and DELETE of a ``cases_caseevent`` row with
SQLSTATE 23001 (restrict_violation), which Django raises as ``IntegrityError``.

TRUNCATE is left alone on purpose: it needs the table owner, and it is how the test
runner (``flush`` on PostgreSQL) empties the database between transactional tests.

SQLite (the embedded mode): the same refusal with ``RAISE(ABORT, …)``, also an
``IntegrityError``. SQLite drops a table's triggers when Django rebuilds the table, so
a later migration that alters ``cases_caseevent`` on SQLite must create them again
(``SQLITE_FORWARD``). Both forms can be run again safely (the tests do, since
pytest runs with ``--no-migrations``).
"""

from django.db import migrations

MESSAGE = "cases_caseevent is append-only: case events (案件流转记录) cannot be updated or deleted"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION cases_caseevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% of event %)', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Void or reopen the case through the workflow: that writes a new event.';
END;
$$;
DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;
CREATE TRIGGER cases_caseevent_append_only
    BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_caseevent_append_only();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_append_only();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER IF NOT EXISTS cases_caseevent_no_update BEFORE UPDATE ON cases_caseevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE)'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS cases_caseevent_no_delete BEFORE DELETE ON cases_caseevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE)'); END""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cases_caseevent_no_update",
    "DROP TRIGGER IF EXISTS cases_caseevent_no_delete",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_public_channel"),
    ]

    operations = [
        migrations.RunPython(forward, reverse, elidable=False),
    ]
