"""Recording waste-sorting months and daily tonnage: the rules in the service,
and the entry pages that show refusals next to the fields keeping what was typed."""

from datetime import date
from decimal import Decimal

import pytest

from cases.errors import CaseError
from sanitation.models import DailyTonnage, SortingCommunity, SortingMonth
from sanitation.sorting import sorting_month_record, tonnage_record
from tests.factories import make_person

MONTH = date(2026, 3, 1)
COUNTS = {"households": 100, "participating": 80, "surveyed": 50, "aware": 40, "checked": 20, "correct": 18}


@pytest.fixture
def assessor(people):
    return make_person("assessor", ["assessor"])


@pytest.fixture
def ledger(city):
    return SortingCommunity.objects.create(community=city.communities[0], households=120)


def test_it_records_a_month_and_updates_it_on_a_second_entry(assessor, ledger):
    sorting_month_record(by=assessor, community=ledger, month=MONTH, counts=COUNTS)
    sorting_month_record(by=assessor, community=ledger, month=MONTH, counts=COUNTS | {"participating": "90"})
    (record,) = SortingMonth.objects.all()
    assert (record.month, record.households, record.participating) == (MONTH, 100, 90)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participating": 101}, "participating"),
        ({"aware": 51}, "aware"),
        ({"correct": 21}, "correct"),
        ({"households": "-1"}, "households"),
        ({"checked": "二十"}, "checked"),
        ({"surveyed": ""}, "surveyed"),
    ],
)
def test_it_refuses_impossible_counts_on_the_field_concerned(assessor, ledger, changes, field):
    with pytest.raises(CaseError) as refused:
        sorting_month_record(by=assessor, community=ledger, month=MONTH, counts=COUNTS | changes)
    assert refused.value.kind == "input"
    assert list(refused.value.fields) == [field]
    assert not SortingMonth.objects.exists()


def test_it_says_participating_cannot_exceed_households(assessor, ledger):
    with pytest.raises(CaseError) as refused:
        sorting_month_record(by=assessor, community=ledger, month=MONTH, counts=COUNTS | {"participating": 150})
    assert refused.value.fields["participating"] == ["参与户数（150）不能大于户数（100）。"]


def test_it_wants_the_first_day_of_a_past_or_current_month(assessor, ledger):
    for month, message in [(date(2026, 3, 5), "月份应记为该月 1 日。"), (date(2999, 1, 1), "不能填报未来月份。")]:
        with pytest.raises(CaseError) as refused:
            sorting_month_record(by=assessor, community=ledger, month=month, counts=COUNTS)
        assert refused.value.fields == {"month": [message]}


def test_it_refuses_a_community_not_sorting(assessor, ledger):
    ledger.sorting = False
    ledger.save()
    with pytest.raises(CaseError) as refused:
        sorting_month_record(by=assessor, community=ledger, month=MONTH, counts=COUNTS)
    assert "community" in refused.value.fields


def test_only_assessors_and_admins_record(people, ledger):
    for user in (people.leader, people.dispatcher, people.operator):
        with pytest.raises(CaseError) as refused:
            sorting_month_record(by=user, community=ledger, month=MONTH, counts=COUNTS)
        assert refused.value.kind == "permission"
    sorting_month_record(by=people.admin, community=ledger, month=MONTH, counts=COUNTS)
    assert SortingMonth.objects.count() == 1


def test_tonnage_is_kept_per_street_day_and_type(assessor, city):
    street = city.streets[0]
    tonnage_record(by=assessor, street=street, day=date(2026, 3, 2), tonnes={"kitchen": "3.5", "other": "7"})
    tonnage_record(by=assessor, street=street, day=date(2026, 3, 2), tonnes={"kitchen": "4", "other": ""})
    stored = dict(DailyTonnage.objects.values_list("waste_type", "tonnes"))
    assert stored == {"kitchen": Decimal("4.00"), "other": Decimal("7.00")}  # a blank type is left as it was


def test_tonnage_refuses_bad_numbers_and_a_community_for_a_street(assessor, city):
    with pytest.raises(CaseError) as refused:
        tonnage_record(
            by=assessor, street=city.communities[0], day=date(2999, 1, 1), tonnes={"kitchen": "-1", "other": "x"}
        )
    assert set(refused.value.fields) == {"street", "day", "kitchen", "other"}
    assert not DailyTonnage.objects.exists()


# --- the entry pages ---------------------------------------------------------------------


def _row(ledger, **counts):
    return {f"{ledger.id}-{name}": str(value) for name, value in (COUNTS | counts).items()}


def test_the_entry_page_keeps_typed_values_and_shows_the_error_by_the_field(client, assessor, ledger, city):
    client.force_login(assessor)
    data = {"street": city.streets[0].code, "month": "2026-03"} | _row(ledger, participating=150, aware=7)
    response = client.post("/sanitation/sorting/entry/", data)
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index(f'name="{ledger.id}-participating"') :]
    assert 'value="150"' in field[:200]
    assert "参与户数（150）不能大于户数（100）。" in field[: field.index("</td>")]
    assert f'name="{ledger.id}-aware" id="id_{ledger.id}-aware" value="7"' in html
    assert 'value="2026-03"' in html
    assert not SortingMonth.objects.exists()


def test_the_entry_page_saves_a_street_and_shows_it_again(client, assessor, ledger, city):
    client.force_login(assessor)
    data = {"street": city.streets[0].code, "month": "2026-03"} | _row(ledger)
    response = client.post("/sanitation/sorting/entry/", data)
    assert response.status_code == 302
    record = SortingMonth.objects.get()
    assert (record.community, record.month, record.correct) == (ledger, MONTH, 18)
    page = client.get(response.url).content.decode()
    assert f'name="{ledger.id}-correct" id="id_{ledger.id}-correct" value="18"' in page


def test_the_entry_page_starts_a_new_month_from_the_ledger_households(client, assessor, ledger, city):
    client.force_login(assessor)
    page = client.get("/sanitation/sorting/entry/", {"street": city.streets[0].code, "month": "2026-02"})
    assert f'name="{ledger.id}-households" id="id_{ledger.id}-households" value="120"' in page.content.decode()


def test_the_entry_page_refuses_a_bad_month(client, assessor, ledger, city):
    client.force_login(assessor)
    data = {"street": city.streets[0].code, "month": "2026-13"} | _row(ledger)
    response = client.post("/sanitation/sorting/entry/", data)
    assert response.status_code == 400
    assert "请选择月份。" in response.content.decode()
    assert 'value="2026-13"' in response.content.decode()


def test_the_tonnage_entry_page(client, assessor, city):
    client.force_login(assessor)
    street = city.streets[1].code
    bad = client.post("/sanitation/tonnage/entry/", {"street": street, "day": "2026-03-02", "kitchen": "-2"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'value="-2"' in html and "不能为负数。" in html
    good = client.post("/sanitation/tonnage/entry/", {"street": street, "day": "2026-03-02", "kitchen": "2.25"})
    assert good.status_code == 302
    assert DailyTonnage.objects.get().tonnes == Decimal("2.25")


def test_the_entry_pages_are_for_assessors_and_admins(client, people, assessor):
    for url in ("/sanitation/sorting/entry/", "/sanitation/tonnage/entry/"):
        for user in (people.leader, people.dispatcher, people.outsider):
            client.force_login(user)
            assert client.get(url).status_code == 403
        for user in (assessor, people.admin):
            client.force_login(user)
            assert client.get(url).status_code == 200
