"""The demo patrols: made through the services, so what they show is reachable."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import Case, Source
from patrols import demo
from patrols.enforcement import LADDER
from patrols.models import EnforcementNotice, Patrol, PatrolFinding, PatrolTask, Route
from patrols.services import route_coverage


@pytest.fixture
def demo_city(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=StringIO(), cases=0)


def test_demo_patrols_walk_their_routes_report_problems_and_give_notices(demo_city):
    summary = demo.seed_patrols()
    assert Route.objects.count() == 12  # two per district
    ended = Patrol.objects.filter(status="ended")
    assert ended.count() > 30
    assert all(p.point_count > 0 and p.distance_m > 0 for p in ended)
    coverages = [route_coverage(p) for p in ended]
    assert all(0 < visited <= total == 8 for visited, total in coverages)
    assert any(visited < total for visited, total in coverages)  # some patrols did not finish their route
    assert PatrolTask.objects.filter(status="planned").exists()  # next week is planned
    findings = PatrolFinding.objects.select_related("case")
    assert findings.exists()
    assert all(f.case.source == Source.PATROL and f.case.attachments.exists() for f in findings)
    assert Case.objects.filter(source=Source.PATROL, self_handled=True).exists()
    steps = set(EnforcementNotice.objects.values_list("step", flat=True))
    colours = set(EnforcementNotice.objects.values_list("colour", flat=True))
    assert {"blue", "yellow", "red"} <= colours and steps & set(LADDER)
    assert "patrols" in summary


def test_seeding_twice_leaves_the_demo_patrols_alone(demo_city):
    demo.seed_patrols()
    before = (Patrol.objects.count(), EnforcementNotice.objects.count())
    assert demo.seed_patrols() == "demo patrols already there"
    assert (Patrol.objects.count(), EnforcementNotice.objects.count()) == before
