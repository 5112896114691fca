"""DATABASE_REPLICA_URL: dashboards and reports read the replica, every write goes to the primary.

A second real database stands in for the replica: a copy of the primary whose statistics are
then marked (filed + 1000), made read-only as a hot standby is. The app runs in gunicorn with
both URLs. The reports API must answer with the marked numbers (read from the replica); an
intake, a filing, the statistics refresh it triggers and the monthly freeze must land in the
primary; the replica must not change at all.
"""

import json

from tests.ops.conftest import admin_sql, copy_database, db_name, execute, manage, query, running

MARK = 1000
MARKED = ("reports_figure", "reports_gridmonth", "reports_categorymonth")


def fingerprint(name: str) -> dict[str, tuple]:
    """Rows and a digest of every table of the database."""
    tables = [
        row[0] for row in query(name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ]
    return {
        table: query(name, f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t")[0]
        for table in tables
    }


def city_filed(name: str) -> dict[str, int]:
    rows = query(
        name, "SELECT month, filed FROM reports_figure WHERE level = 'city' AND dimension = 'all' ORDER BY month"
    )
    return {f"{month:%Y-%m}": filed for month, filed in rows}


def district_filed(name: str, month: str) -> dict[str, int]:
    rows = query(
        name,
        "SELECT r.code, f.filed FROM reports_figure f JOIN org_region r ON r.id = f.unit_id "
        "WHERE f.level = 'district' AND f.dimension = 'all' AND to_char(f.month, 'YYYY-MM') = %s",
        (month,),
    )
    return dict(rows)


def test_reports_read_the_replica_and_every_write_goes_to_the_primary(seeded, databases_made):
    primary, replica = db_name("primary"), db_name("replica")
    databases_made += [primary, replica]
    copy_database(seeded, primary)
    copy_database(seeded, replica)
    for table in MARKED:
        assert execute(replica, f"UPDATE {table} SET filed = filed + {MARK}") > 0
    admin_sql(f'ALTER DATABASE "{replica}" SET default_transaction_read_only = on')  # as a hot standby
    replica_before = fingerprint(replica)
    on_primary = city_filed(primary)
    live = max(on_primary)
    assert city_filed(replica) == {month: filed + MARK for month, filed in on_primary.items()}
    assert query(primary, "SELECT count(*) FROM reports_assessmentmonth")[0][0] == 0

    lat, lng = query(primary, "SELECT (min_lat + max_lat) / 2, (min_lng + max_lng) / 2 FROM org_unitgrid LIMIT 1")[0]
    with running(primary, replica=replica) as app:
        leader, duty = app.token("leader"), app.token("duty")

        def reports() -> tuple[dict, dict, dict]:
            monthly = app.json("GET", f"/api/v1/reports/monthly/?month={live}&level=district", token=leader)
            trend = app.json("GET", f"/api/v1/reports/trend/?month={live}", token=leader)
            grids = app.json("GET", f"/api/v1/reports/breakdown/?month={live}&by=grid", token=leader)
            return monthly, trend, grids

        monthly, trend, grids = reports()
        # The ranking, the trend and the hot grids are the replica's numbers.
        assert {row["district"]: row["filed"] for row in monthly["results"]} == {
            code: filed + MARK for code, filed in district_filed(primary, live).items()
        }
        points = {point["month"][:7]: point["filed"] for point in trend["points"] if point["filed"]}
        assert points == city_filed(replica)
        assert grids and all(filed > MARK for filed in _numbers(grids, "filed"))

        # An intake and its filing: written to the primary.
        case = app.json(
            "POST",
            "/api/v1/cases/",
            token=duty,
            expect=201,
            data={
                "source": "hotline", "category": "06010", "description": "小区门口垃圾堆放三天无人清理（副本测试）",
                "lat": lat, "lng": lng, "hotline_ticket_no": "GD-REPLICA-1", "hotline_type": "complaint",
                "caller_name": "王先生", "caller_phone": "13812345678",
            },
        )  # fmt: skip
        number = case["number"]
        assert app.json("POST", f"/api/v1/cases/{number}/file/", token=duty, data={})["status"] == "filed"
    assert query(primary, "SELECT status FROM cases_case WHERE number = %s", (number,)) == [("filed",)]
    assert query(replica, "SELECT count(*) FROM cases_case WHERE number = %s", (number,)) == [(0,)]

    # The statistics refresh and the monthly freeze (the Celery tasks, run here by the shell)
    # with both URLs write the primary, and write exactly what they write on a copy of the
    # primary without a replica: everything they read came from the primary.
    control = db_name("control")
    databases_made.append(control)
    copy_database(primary, control)
    task = "from reports.tasks import refresh_stats, freeze_assessments; print(refresh_stats(), freeze_assessments())"
    done = manage(primary, "shell", "-c", task, replica=replica)
    assert done == manage(control, "shell", "-c", task)
    assert "'changes': 0" not in done and "2026-" in done, done
    assert query(primary, "SELECT count(*) FROM reports_casechange") == [(0,)]
    assert city_filed(primary)[live] == on_primary[live] + 1
    assert results(primary) == results(control)
    assert fingerprint(replica) == replica_before

    # Readers still see the replica, which has not moved: the live month as before, and the
    # months just frozen on the primary are not frozen there.
    with running(primary, replica=replica) as app:
        again = app.json("GET", f"/api/v1/reports/monthly/?month={live}&level=district", token=leader)
        assert again == monthly
        first = min(on_primary)
        older = app.json("GET", f"/api/v1/reports/monthly/?month={first}&level=district", token=leader)
        assert older["frozen"] is False
    assert query(
        primary, "SELECT count(*) FROM reports_assessmentmonth WHERE to_char(month, 'YYYY-MM') = %s", (first,)
    ) == [(1,)]


def results(name: str) -> dict[str, tuple]:
    """What the statistics writer and the freeze wrote (without ids and time stamps)."""
    columns = {
        "reports_figure": "month, level, unit_id, dimension, key, filed, closed, closed_on_time, handled, rework",
        "reports_cell": "month, street_id, department_id, channel_group, category_id, filed, closed",
        "reports_gridmonth": "month, grid_id, filed, closed",
        "reports_categorymonth": "month, street_id, category_id, filed, closed",
        "reports_ranking": "level, code, filed, closed, score, rank, rank_change, red_flag, board",
    }
    return {
        table: query(
            name, f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT {cols} FROM {table}) t"
        )[0]
        for table, cols in columns.items()
    }


def _numbers(data, key: str) -> list[int]:
    """Every value of ``key`` anywhere in a JSON document."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for name, value in node.items():
                if name == key and isinstance(value, int):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(json.dumps(data)))
    return found
