"""Backup and restore as docs/deploy.md says: pg_dump -Fc of a committed database, pg_restore
into a fresh database, and the app on the restored database serves the same case and the same
rankings (one frozen month, one live month) as on the original."""

import subprocess
from datetime import date

from tests.ops.conftest import admin_sql, db_name, db_url, manage, query, running


def months_with_figures(name: str) -> list[date]:
    return [row[0] for row in query(name, "SELECT month FROM reports_statsmonth ORDER BY month")]


def test_pg_dump_and_pg_restore_give_an_app_serving_the_same_case_and_rankings(seeded, databases_made, tmp_path):
    original = db_name("backup_original")
    restored = db_name("backup_restored")
    databases_made += [original, restored]
    admin_sql(f'CREATE DATABASE "{original}" TEMPLATE "{seeded}"')
    # A frozen month too, so the dump carries the stored ranking rows (reports_ranking).
    frozen = manage(original, "shell", "-c", "from reports.assessment import freeze_due_months as f; print(f())")
    months = months_with_figures(original)
    assert len(months) >= 3 and "datetime.date" in frozen, (months, frozen)
    assert query(original, "SELECT count(*) FROM reports_ranking")[0][0] > 0

    dump = tmp_path / "citymgmt.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), db_url(original)], check=True)
    assert dump.stat().st_size > 100_000
    admin_sql(f'CREATE DATABASE "{restored}"')
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", db_url(restored), str(dump)], check=True)

    # Row for row the same tables (cases, events, figures, rankings, users) ...
    tables = ["cases_case", "cases_caseevent", "reports_figure", "reports_ranking", "auth_user", "org_unitgrid"]
    for table in tables:
        counted = f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        assert query(restored, counted) == query(original, counted), table
    # ... and the app, started on each, answers the same.
    number = query(
        original, "SELECT number FROM cases_case WHERE status = 'closed' AND caller_phone <> '' ORDER BY id LIMIT 1"
    )[0][0]
    live, frozen_month = months[-1], months[0]
    answers = {}
    for name in (original, restored):
        with running(name) as app:
            duty, leader = app.token("duty"), app.token("leader")
            case = app.json("GET", f"/api/v1/cases/{number}/", token=duty)
            rankings = {
                (month, level): app.json(
                    "GET", f"/api/v1/reports/monthly/?month={month:%Y-%m}&level={level}", token=leader
                )
                for month in (frozen_month, live)
                for level in ("district", "street", "department")
            }
            answers[name] = (case, rankings)
    case, rankings = answers[original]
    assert case["number"] == number and case["closed_at"] and case["caller_phone"].isdigit()
    assert rankings[(frozen_month, "district")]["frozen"] is True
    assert rankings[(live, "district")]["frozen"] is False
    assert sum(row["filed"] for row in rankings[(live, "district")]["results"]) > 0
    assert [row["rank"] for row in rankings[(live, "district")]["results"]] == [1, 2, 3, 4, 5, 6]
    assert answers[restored] == answers[original]
