"""The audit trail: case events are append-only in the database itself (migration
cases 0011), cases are never deleted, and changes made in the admin are logged.

pytest runs with ``--no-migrations``, so the tests that need the triggers install
them with the migration's own code; on PostgreSQL that DDL is part of the test's
transaction and is rolled back with it.
"""

import importlib
import sqlite3

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from cases.models import Case, CaseEvent, Category, Status
from tests.cases.conftest import case_in

append_only = importlib.import_module("cases.migrations.0011_caseevent_append_only")

pytestmark = pytest.mark.django_db


@pytest.fixture
def triggers(db):
    with connection.schema_editor(atomic=False) as editor:
        append_only.forward(None, editor)


@pytest.fixture
def closed(world, triggers):
    """A case walked to closed through the services with the triggers in place
    (so writing events keeps working)."""
    return case_in(Status.CLOSED, world)


def refused(sql: str, params=()) -> str:
    """Run ``sql`` expecting the database to refuse it; the error text."""
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(error.value)


# --- PostgreSQL (the test database) -------------------------------------------------------


def test_the_database_refuses_updating_an_event_row(closed):
    event = closed.events.order_by("id").first()

    message = refused("UPDATE cases_caseevent SET comment = %s WHERE id = %s", ["改写", event.pk])

    assert "append-only" in message and "UPDATE" in message
    event.refresh_from_db()
    assert event.comment != "改写"


def test_the_database_refuses_deleting_an_event_row(closed):
    count = closed.events.count()

    message = refused("DELETE FROM cases_caseevent WHERE case_id = %s", [closed.pk])

    assert "append-only" in message and "DELETE" in message
    assert closed.events.count() == count > 0


def test_queryset_updates_and_deleting_a_case_are_refused_too(closed):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.filter(case=closed).update(comment="改写")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=closed.pk).delete()  # would cascade to the events

    assert Case.objects.filter(pk=closed.pk).exists()
    assert not CaseEvent.objects.filter(comment="改写").exists()


def test_the_workflow_still_writes_events_with_the_triggers_in_place(closed, world):
    before = closed.events.count()

    case = case_in(Status.DISPATCHED, world, grid=2)

    assert list(case.events.values_list("action", flat=True))[-1] == "dispatch"
    assert closed.events.count() == before


def test_the_migration_runs_on_postgresql_with_a_trigger_per_table(triggers):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'cases_caseevent'::regclass AND NOT tgisinternal"
        )
        assert cursor.fetchall() == [("cases_caseevent_append_only", "O")]


# --- SQLite (the embedded mode) ------------------------------------------------------------


@pytest.fixture
def sqlite_events():
    """A separate SQLite database with an event table and the migration's SQLite triggers."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE cases_caseevent (id integer PRIMARY KEY AUTOINCREMENT, case_id integer NOT NULL,"
        " action varchar(20) NOT NULL, comment text NOT NULL)"
    )
    for statement in append_only.SQLITE_FORWARD:
        db.execute(statement)
    db.execute("INSERT INTO cases_caseevent (case_id, action, comment) VALUES (1, 'report', '上报')")
    db.commit()
    yield db
    db.close()


def test_sqlite_refuses_updating_and_deleting_events(sqlite_events):
    with pytest.raises(sqlite3.IntegrityError, match=r"append-only.*UPDATE"):
        sqlite_events.execute("UPDATE cases_caseevent SET comment = '改写'")
    with pytest.raises(sqlite3.IntegrityError, match=r"append-only.*DELETE"):
        sqlite_events.execute("DELETE FROM cases_caseevent")

    sqlite_events.execute("INSERT INTO cases_caseevent (case_id, action, comment) VALUES (1, 'file', '立案')")
    assert sqlite_events.execute("SELECT comment FROM cases_caseevent ORDER BY id").fetchall() == [("上报",), ("立案",)]


def test_the_sqlite_triggers_can_be_created_again(sqlite_events):
    for statement in append_only.SQLITE_FORWARD:
        sqlite_events.execute(statement)
    names = sqlite_events.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
    assert names == [("cases_caseevent_no_delete",), ("cases_caseevent_no_update",)]


# --- the admin -------------------------------------------------------------------------------


def test_an_admin_edit_of_a_category_is_logged(client, world):
    category = Category.objects.get(code="01001")
    data = {k: v for k, v in model_to_dict(category).items() if v is not None and v is not False}
    data["name"] = "井盖（改）"
    client.force_login(world.admin)

    response = client.post(f"/admin/cases/category/{category.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    category.refresh_from_db()
    assert category.name == "井盖（改）"
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Category), object_id=str(category.pk))
    assert entry.user == world.admin and entry.action_flag == CHANGE
    assert "name" in entry.change_message or "名称" in entry.get_change_message()


def test_the_admin_never_deletes_a_case_and_has_no_event_admin(client, world):
    case = case_in(Status.DISPATCHED, world)
    client.force_login(world.admin)

    assert client.get(f"/admin/cases/case/{case.pk}/delete/").status_code == 403
    changelist = client.get("/admin/cases/case/")
    assert changelist.status_code == 200 and "delete_selected" not in changelist.content.decode()
    response = client.post("/admin/cases/case/", {"action": "delete_selected", "_selected_action": [case.pk]})
    assert response.status_code in (200, 302)
    assert Case.objects.filter(pk=case.pk).exists() and case.events.exists()
    assert not admin.site.is_registered(CaseEvent)
