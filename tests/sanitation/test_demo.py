"""The demo sanitation data: every ledger filled, months of records, and a second run changes nothing."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from org.demo import seed_territory
from sanitation import models
from sanitation.demo import SORTING_MONTHS, seed_sanitation

LEDGERS = [
    models.RoadSection,
    models.PublicToilet,
    models.TransferStation,
    models.CollectionPoint,
    models.Bin,
    models.SortingCommunity,
    models.MuckCompany,
    models.MuckVehicle,
    models.FrontageLetter,
    models.FrontageCheck,
    models.SortingMonth,
    models.DailyTonnage,
]
TODAY = date(2026, 5, 20)


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))
        for model in LEDGERS
    }


TODAY_TZ = ZoneInfo("Asia/Shanghai")
PARTS = ["roads", "toilets", "stations", "points", "sorting", "muck", "letters", "months", "tonnage", "inspections"]


@pytest.mark.django_db
def test_seed_sanitation_fills_every_ledger_and_a_second_run_changes_nothing():
    seed_territory()
    seed_sanitation(today=TODAY)
    for model in LEDGERS:
        assert model.objects.exists(), model.__name__
    ledger = models.SortingCommunity.objects
    assert ledger.filter(sorting=False).exists() and ledger.filter(sorting=True).count() > ledger.count() // 2
    months = set(models.SortingMonth.objects.values_list("month", flat=True))
    assert months == {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)}
    assert len(months) == SORTING_MONTHS
    assert not models.SortingMonth.objects.filter(community__sorting=False).exists()
    days = models.DailyTonnage.objects.values_list("day", flat=True)
    assert min(days) == date(2026, 1, 1) and max(days) == date(2026, 5, 19)
    before = _snapshot()
    assert seed_sanitation(today=date(2026, 7, 1)) == str(dict.fromkeys(PARTS, 0))
    assert _snapshot() == before


@pytest.mark.django_db
def test_the_demo_assessor_scores_roads_and_toilets_every_month():
    from tests.factories import make_person

    seed_territory()
    make_person("assessor", ["assessor"])
    seed_sanitation(today=TODAY)
    inspections = models.Inspection.objects.all()
    assert inspections.count() > 100
    assert {i.inspected_at.astimezone(TODAY_TZ).date().replace(day=1) for i in inspections} == {
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    }
    assert all(0 <= i.score <= 100 for i in inspections)
    assert {i.template.target for i in inspections} == {"road", "toilet"}
