"""Monthly assessment and ranking (综合考评排名, DOMAIN.md §7): the score and its
re-weighting, ranks and their tie-breaks, the red flag and the boards, the
scheme of a year, freezing at month end + settle days, and an admin's logged
recompute of a frozen month."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import clock, services
from cases.models import Case
from reports import assessment, metrics
from reports.metrics import Ranked
from reports.models import AssessmentChange, AssessmentMonth, AssessmentScheme, Ranking
from tests.cases.conftest import *  # noqa: F403 (the lifecycle fixtures)
from tests.cases.conftest import at
from tests.reports.conftest import callback, close, closed_case, drain_all, feed_back, filed, sign

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
DEFAULT = AssessmentScheme(year=0).weights()
D = Decimal

# --- the score -----------------------------------------------------------------------------


def unit_rates(on_time=None, closure=None, rework=None, satisfaction=None) -> dict:
    return {
        "on_time_closure_rate": on_time,
        "closure_rate": closure,
        "rework_rate": rework,
        "hotline_satisfaction_rate": satisfaction,
    }


def test_the_default_scheme_is_the_one_of_the_domain():
    assert DEFAULT == {"on_time_closure": 40, "closure": 20, "rework": 10, "satisfaction": 10, "sanitation": 20}
    assert (AssessmentScheme(year=0).settle_days, AssessmentScheme(year=0).board_size) == (3, 3)


def test_a_score_with_every_component_uses_the_weights_as_they_are():
    result = metrics.score(unit_rates(D("0.75"), D("0.9"), D("0.1"), D("0.8")), D("85"), DEFAULT)
    # 40 × 0.75 + 20 × 0.9 + 10 × 0.9 + 10 × 0.8 + 20 × 0.85 = 30 + 18 + 9 + 8 + 17
    assert result == metrics.Score(D("82.00"), (), False)


def test_a_missing_component_is_left_out_and_the_others_reweighted():
    # No callbacks: no satisfaction rate; the other 90 weights count as 100.
    result = metrics.score(unit_rates(D("0.75"), D("0.9"), D("0.1"), None), D("80"), DEFAULT)
    assert result.score == D("81.11")  # (30 + 18 + 9 + 16) × 100 / 90
    assert result.missing == ("satisfaction",) and result.reweighted
    # Nothing handled: no rework rate either, and no sanitation inspections.
    result = metrics.score(unit_rates(D("0.5"), D("1"), None, None), None, DEFAULT)
    assert result.score == D("66.67")  # (20 + 20) × 100 / 60
    assert result.missing == ("rework", "satisfaction", "sanitation")
    # Nothing at all: no score (not ranked), never 0.
    assert metrics.score(unit_rates(), None, DEFAULT).score is None


def test_departments_are_scored_without_sanitation_which_is_not_missing():
    result = metrics.score(unit_rates(D("0.75"), D("0.9"), D("0.1"), D("0.8")), D("10"), DEFAULT, with_sanitation=False)
    assert result.score == D("81.25")  # (30 + 18 + 9 + 8) × 100 / 80; the sanitation score is ignored
    assert result.missing == ()


def test_a_rework_rate_above_one_counts_as_zero_not_negative():
    result = metrics.score(unit_rates(D("1"), D("1"), D("1.5"), D("1")), D("100"), DEFAULT)
    assert result.score == D("90.00")


def test_the_weights_of_a_scheme_must_sum_to_a_hundred():
    scheme = AssessmentScheme(year=2026, on_time_closure=40, closure=20, rework=10, satisfaction=10, sanitation=10)
    with pytest.raises(ValidationError):
        scheme.clean()
    scheme.sanitation = 20
    scheme.clean()


# --- ranking -------------------------------------------------------------------------------------


def test_ties_are_broken_by_on_time_closure_then_closure_then_code():
    units = [
        Ranked("339904", D("90"), D("0.80"), D("0.95")),
        Ranked("339903", D("90"), D("0.80"), D("0.95")),  # all equal with 339904: code decides
        Ranked("339902", D("90"), D("0.80"), D("0.99")),  # same score and on-time: closure decides
        Ranked("339901", D("90"), D("0.85"), D("0.90")),  # same score: on-time rate decides
        Ranked("339905", D("95"), D("0.10"), D("0.10")),
        Ranked("339906", None, None, None),  # no score: not ranked
    ]
    ranked = metrics.rank(units)
    assert [(u.code, u.rank) for u in ranked] == [
        ("339905", 1),
        ("339901", 2),
        ("339902", 3),
        ("339903", 4),
        ("339904", 5),
        ("339906", None),
    ]


def test_the_red_flag_and_boards_of_n_with_rank_changes():
    units = [Ranked(f"3399{n:02d}", D(100 - n), None, None) for n in range(1, 8)]
    previous = {"339901": 3, "339902": 1, "339907": 7}
    ranked = {u.code: u for u in metrics.rank(units, board_size=2, previous=previous)}
    assert [c for c, u in ranked.items() if u.red_flag] == ["339901"]
    assert [c for c, u in ranked.items() if u.board == "red"] == ["339901", "339902"]
    assert [c for c, u in ranked.items() if u.board == "black"] == ["339906", "339907"]
    assert ranked["339903"].board is None
    assert (ranked["339901"].rank_change, ranked["339902"].rank_change, ranked["339907"].rank_change) == (2, -1, 0)
    assert ranked["339903"].rank_change is None  # not ranked last month
    # Fewer units than two boards: the boards never overlap.
    few = metrics.rank([Ranked("a", D(2), None, None), Ranked("b", D(1), None, None)], board_size=3)
    assert [u.board for u in few] == ["red", "red"]


# --- a month of cases ------------------------------------------------------------------------------


@pytest.fixture
def october(world, media_root):
    """District 1: A closed on time with a satisfied callback, B closed late, C
    filed and open; district 2: one leader's case closed on time. All 市政."""
    p = world
    a = closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 10:00")
    callback(p, a, "2026-10-15 10:00")
    closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 17:00")
    filed(p, "2026-10-14 09:05", source="leader")
    closed_case(p, "2026-10-14 09:05", feedback="2026-10-14 10:00", grid=5, source="leader")
    drain_all()
    return p


def rows_of(report) -> dict[str, dict]:
    return {row["code"]: row for row in report["rows"]}


def test_districts_are_ranked_by_their_reweighted_scores(october):
    d1, d2 = (d.code for d in october.city.districts)
    report = assessment.monthly(OCT, "district")
    assert not report["frozen"] and report["as_of"] is not None
    rows = rows_of(report)
    # d1: on time 1/3, closed 2/3, no rework, satisfied 1/1, no sanitation inspections.
    assert rows[d1]["score"] == D("58.33")  # (40 × 0.3333 + 20 × 0.6667 + 10 + 10) × 100 / 80
    assert rows[d1]["missing"] == ["sanitation"]
    # d2: every rate 1, no callbacks: over 70 weights.
    assert rows[d2]["score"] == D("100.00")
    assert rows[d2]["missing"] == ["satisfaction", "sanitation"] and rows[d2]["reweighted"]
    assert (rows[d2]["rank"], rows[d2]["red_flag"], rows[d1]["rank"], rows[d1]["red_flag"]) == (1, True, 2, False)


def test_departments_are_ranked_with_the_same_figures_and_units_without_cases_are_not(october):
    rows = rows_of(assessment.monthly(OCT, "department"))
    sz = rows["sz"]
    assert (sz["filed"], sz["closed"], sz["closed_on_time"]) == (3, 3, 2)
    assert sz["score"] == D("83.34")  # (40 × 0.6667 + 20 + 10 + 10) × 100 / 80
    assert (sz["rank"], sz["red_flag"], sz["board"]) == (1, True, "red")
    assert rows["hw"]["score"] is None and rows["hw"]["rank"] is None and rows["hw"]["closure_rate"] is None


def test_the_scheme_of_the_year_applies_with_its_board_size(october):
    d1, d2 = (d.code for d in october.city.districts)
    AssessmentScheme.objects.create(
        year=2026, on_time_closure=0, closure=100, rework=0, satisfaction=0, sanitation=0, board_size=1
    )
    rows = rows_of(assessment.monthly(OCT, "district"))
    assert (rows[d1]["score"], rows[d2]["score"]) == (D("66.67"), D("100.00"))
    assert (rows[d2]["board"], rows[d1]["board"]) == ("red", "black")
    # A later year without a scheme of its own keeps the latest one; an earlier one has the default.
    assert assessment.scheme_for(date(2027, 3, 1)).year == 2026
    assert assessment.scheme_for(date(2025, 12, 1)).weights() == DEFAULT


def test_a_tie_on_score_is_broken_by_the_on_time_closure_rate(october):
    d1, d2 = (d.code for d in october.city.districts)
    # Closure only: d1 closed 2 of 3 → 66.67; close d1's open case to tie them at 100.
    AssessmentScheme.objects.create(year=2026, on_time_closure=0, closure=100, rework=0, satisfaction=0, sanitation=0)
    open_case = Case.objects.get(closed_at=None)
    p = october
    with clock.acting_at(at("2026-10-20 09:00")):
        open_case = services.case_dispatch(case=open_case, by=p.dispatcher, department="sz")
    sign(p, open_case, "2026-10-20 09:10")
    feed_back(p, open_case, "2026-10-20 10:00")
    close(p, open_case, "2026-10-20 10:30")
    drain_all()
    rows = rows_of(assessment.monthly(OCT, "district"))
    assert rows[d1]["score"] == rows[d2]["score"] == D("100.00")
    assert rows[d1]["on_time_closure_rate"] < rows[d2]["on_time_closure_rate"]
    assert (rows[d2]["rank"], rows[d1]["rank"]) == (1, 2)


# --- freezing -----------------------------------------------------------------------------------------


def test_a_month_is_frozen_only_after_its_settle_days_and_only_once(october):
    assert assessment.settle_moment(OCT) == at("2026-11-04 00:00")
    assert assessment.freeze(OCT, now=at("2026-11-03 23:59")) is None
    assert not AssessmentMonth.objects.exists()
    frozen = assessment.freeze(OCT, now=at("2026-11-04 00:00"))
    assert (frozen.month, frozen.as_of, frozen.scheme_year) == (OCT, at("2026-11-04 00:00"), 0)
    rows = Ranking.objects.filter(assessment=frozen)
    assert rows.filter(level="district").count() == 2
    assert rows.filter(level="street").count() == 2
    before = list(rows.order_by("level", "code").values())
    again = assessment.freeze(OCT, now=at("2026-11-10 00:00"))
    assert again.pk == frozen.pk and again.frozen_at == at("2026-11-04 00:00")
    assert list(Ranking.objects.filter(assessment=frozen).order_by("level", "code").values()) == before
    # freeze_due_months: October is done; November's settle period is not over.
    assert assessment.freeze_due_months(now=at("2026-11-20 00:00")) == []


def test_a_frozen_month_does_not_move_when_its_cases_change_later(october):
    d1 = october.city.districts[0].code
    assessment.freeze(OCT, now=at("2026-11-04 00:00"))
    frozen = rows_of(assessment.monthly(OCT, "district"))[d1]
    open_case = Case.objects.get(closed_at=None)
    with clock.acting_at(at("2026-11-05 09:00")):
        services.case_void(case=open_case, by=october.shift_leader, reason="误报")
    drain_all()
    live = assessment.live_counts(OCT, "district")[october.city.districts[0].pk]
    assert live["filed"] == 2  # the live figures moved ...
    report = assessment.monthly(OCT, "district")
    assert report["frozen"] and report["as_of"] == at("2026-11-04 00:00")
    assert rows_of(report)[d1] == frozen  # ... the frozen month did not
    assert (frozen["filed"], frozen["score"]) == (3, D("58.33"))


def test_an_admin_recompute_of_a_frozen_month_is_logged_with_what_changed(october):
    d1 = october.city.districts[0].code
    assessment.freeze(OCT, now=at("2026-11-04 00:00"))
    with clock.acting_at(at("2026-11-05 09:00")):
        services.case_void(case=Case.objects.get(closed_at=None), by=october.shift_leader, reason="误报")
    with pytest.raises(ValueError):
        assessment.recompute_frozen(OCT, by=october.admin, reason="  ")
    change = assessment.recompute_frozen(OCT, by=october.admin, reason="误报案件作废后重算")
    assert AssessmentChange.objects.get() == change
    assert (change.changed_by, change.reason) == (october.admin, "误报案件作废后重算")
    assert change.assessment.as_of == at("2026-11-04 00:00")  # the same as_of
    by_unit = {(d["level"], d["code"]): d["changed"] for d in change.differences}
    assert by_unit[("district", d1)] == {"score": ["58.33", "75.00"], "filed": [3, 2]}
    assert ("district", october.city.districts[1].code) not in by_unit  # unchanged rows are not listed
    assert rows_of(assessment.monthly(OCT, "district"))[d1]["score"] == D("75.00")


def test_the_rank_change_is_against_last_months_frozen_ranking(october):
    p = october
    d1, d2 = (d.code for d in p.city.districts)
    assessment.freeze(OCT, now=at("2026-11-04 00:00"))  # d2 first, d1 second
    closed_case(p, "2026-11-10 09:05", feedback="2026-11-10 10:00", source="leader")  # d1 on time
    closed_case(p, "2026-11-10 09:05", feedback="2026-11-11 17:00", grid=5, source="leader")  # d2 late
    drain_all()
    rows = rows_of(assessment.monthly(NOV, "district"))
    assert (rows[d1]["rank"], rows[d1]["rank_change"]) == (1, 1)  # up one
    assert (rows[d2]["rank"], rows[d2]["rank_change"]) == (2, -1)
    assert rows[d1]["red_flag"] and not rows[d2]["red_flag"]
