"""The figures of DOMAIN.md §7 from hand-built case histories with known answers.

Every case is walked through the real services at given moments; the queue
of changed cases is then drained as the Celery task does, and the stored
figures are compared with the counts worked out by hand below.
"""

from datetime import date
from decimal import Decimal

import pytest

from cases import clock, services
from cases.models import Case, MajorCategory
from reports import metrics, stats
from reports.models import COUNTS, Figure
from tests.cases.conftest import *  # noqa: F403 (the lifecycle fixtures)
from tests.cases.conftest import at, photo, report_case
from tests.reports.conftest import (
    callback,
    check,
    close,
    closed_case,
    contact,
    dispatched,
    drain_all,
    feed_back,
    figure,
    filed,
    sign,
    stored,
)

pytestmark = pytest.mark.usefixtures("media_root")

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
D1_GRID, D2_GRID = 1, 5  # a grid of district 339901 and one of 339902


def only(counts: dict[str, int], **expected) -> dict[str, int]:
    """All counts zero except the ones named."""
    return {name: expected.get(name, 0) for name in COUNTS}


@pytest.fixture
def october(world):
    """The hand-built month. District 1 (grid 1), Wednesday 2026-10-14, category
    01001 (6 working hours: dispatched 09:05, due 16:05) unless said otherwise:

    A hotline: signed 09:30 (sign due 10:05), caller reached, fed back 10:00,
      closed, callback satisfied and resolved.
    B hotline: signed 11:00 (late), caller reached 11:10, fed back 16:30 (late),
      closed, callback dissatisfied, not resolved.
    C patrol: fed back, 返工 twice, fed back 16:30 (late), closed.
    D public, 06010 (4 working hours): two approved delays; fed back the next
      day before the extended deadline; not closed.
    E video: dispatched to 环卫, returned (approved), dispatched to 市政; open.
    F leader: filed, then voided.           G media: filed, then linked as a duplicate of A.
    H patrol 自处理 (no deadline), then checked and closed.
    I leader: filed Friday 2026-10-30 16:00, fed back and closed on Monday 11-02 (in time).
    J hotline: reported, never filed.
    District 2 (grid 5): L filed 2026-10-31 23:50; M filed 2026-11-01 00:10; K filed 2026-11-02.
    """
    p = world
    day = "2026-10-14"
    a = dispatched(p, f"{day} 09:05")
    assert a.deadline == at(f"{day} 16:05")
    sign(p, a, f"{day} 09:30")
    contact(p, a, f"{day} 09:40")
    feed_back(p, a, f"{day} 10:00")
    close(p, a, f"{day} 11:00")
    callback(p, a, "2026-10-15 10:00", "satisfied", True)

    b = dispatched(p, f"{day} 09:05")
    sign(p, b, f"{day} 11:00")
    contact(p, b, f"{day} 11:10")
    feed_back(p, b, f"{day} 16:30")
    close(p, b, f"{day} 17:00")
    callback(p, b, "2026-10-15 10:00", "dissatisfied", False)

    c = dispatched(p, f"{day} 09:05", source="patrol")
    sign(p, c, f"{day} 09:30")
    feed_back(p, c, f"{day} 10:00")
    check(p, c, f"{day} 10:30", passed=False)
    feed_back(p, c, f"{day} 11:00")
    check(p, c, f"{day} 11:30", passed=False)
    feed_back(p, c, f"{day} 16:30")
    close(p, c, f"{day} 17:00")

    d = dispatched(p, f"{day} 09:05", source="public", category="06010")
    sign(p, d, f"{day} 09:30")
    for moment, decider in ((f"{day} 10:00", p.dispatcher), (f"{day} 11:00", p.shift_leader)):
        with clock.acting_at(at(moment)):
            d = services.case_request_delay(case=d, by=p.handler_a, reason="材料未到", extra_value=1)
            d = services.case_decide_request(case=d, by=decider, approve=True)
    assert d.delay_count == 2 and d.deadline > at("2026-10-15 10:00")
    feed_back(p, d, "2026-10-15 10:00")

    e = dispatched(p, f"{day} 09:05", source="video", department="hw")
    with clock.acting_at(at(f"{day} 09:20")):
        e = services.case_request_return(case=e, by=p.handler_b, reason="不属本部门")
        e = services.case_decide_request(case=e, by=p.dispatcher, approve=True)
        e = services.case_dispatch(case=e, by=p.dispatcher, department="sz")

    f = filed(p, f"{day} 09:05", source="leader")
    with clock.acting_at(at(f"{day} 09:10")):
        services.case_void(case=f, by=p.shift_leader, reason="误报")
    g = filed(p, f"{day} 09:05", source="media")
    with clock.acting_at(at(f"{day} 09:10")):
        services.case_link_duplicate(case=g, by=p.operator, original=a)

    with clock.acting_at(at(f"{day} 09:00")):
        h = report_case(p, source="patrol", grid=D1_GRID, self_handled=True, after_photos=[photo()])
    assert h.deadline is None
    close(p, h, f"{day} 10:00")

    i = closed_case(p, "2026-10-30 16:00", source="leader", feedback="2026-11-02 09:00", closed="2026-11-02 10:00")
    assert i.deadline == at("2026-11-02 14:00")

    with clock.acting_at(at(f"{day} 09:00")):
        report_case(p)  # J

    filed(p, "2026-10-31 23:50", grid=D2_GRID, source="public")  # L
    filed(p, "2026-11-01 00:10", grid=D2_GRID, source="public")  # M
    dispatched(p, "2026-11-02 09:00", grid=D2_GRID)  # K
    drain_all()
    return p


# District 1 in October, worked out by hand (the fixture's docstring).
D1_OCTOBER = {
    "filed": 7,  # A B C D E H I (not F voided, G duplicate, J unfiled)
    "closed": 5,  # A B C H I (I closed in November counts in its filing month)
    "closed_on_time": 3,  # A H I
    "handled": 6,  # A B C D H I
    "handled_on_time": 4,  # A D H I
    "rework": 2,  # C's two check-fail events
    "delayed": 1,  # D, once for two delays
    "dispatched": 7,  # A B C D I, and E twice
    "returned": 1,  # E
    "hotline_dispatched": 2,  # A B
    "hotline_responded": 1,  # A (B signed late)
    "callbacks": 2,
    "callbacks_resolved": 1,
    "callbacks_satisfied": 1,
}


def test_the_counts_of_a_district_are_the_hand_worked_ones(october):
    d1 = october.city.districts[0]
    assert figure(OCT, "district", d1.pk) == D1_OCTOBER
    assert figure(OCT, "street", october.city.streets[0].pk) == D1_OCTOBER


def test_the_rates_follow_from_the_counts_with_four_decimals(october):
    d1 = october.city.districts[0]
    rates = metrics.rates(figure(OCT, "district", d1.pk))
    assert rates == {
        "closure_rate": Decimal("0.7143"),  # 5 / 7
        "on_time_closure_rate": Decimal("0.4286"),  # 3 / 7
        "handling_rate": Decimal("0.8571"),  # 6 / 7
        "on_time_handling_rate": Decimal("0.5714"),  # 4 / 7
        "rework_rate": Decimal("0.3333"),  # 2 / 6 handled
        "delay_rate": Decimal("0.1429"),  # 1 / 7
        "dispatch_accuracy": Decimal("0.8571"),  # (7 − 1) / 7
        "hotline_response_rate": Decimal("0.5000"),
        "hotline_resolution_rate": Decimal("0.5000"),
        "hotline_satisfaction_rate": Decimal("0.5000"),
    }


def test_a_case_counts_in_the_month_it_was_filed_in_local_time(october):
    d1, d2 = october.city.districts
    # L at 23:50 on 31 October (15:50 UTC) is October's; M ten minutes after midnight is November's.
    assert figure(OCT, "district", d2.pk) == only(COUNTS, filed=1)
    assert figure(NOV, "district", d2.pk) == only(
        COUNTS, filed=2, dispatched=1, hotline_dispatched=1
    )  # K is a hotline case
    # I was closed in November, yet district 1 has no November cohort at all.
    assert not Figure.objects.filter(month=NOV, level="district", unit_id=d1.pk).exists()
    assert figure(OCT, "city", 0)["filed"] == 8
    assert figure(NOV, "city", 0)["filed"] == 2


def test_zero_denominators_give_no_value_never_zero_or_a_hundred_percent(october):
    d2 = october.city.districts[1]
    rates = metrics.rates(figure(OCT, "district", d2.pk))  # one filed case, nothing else
    assert rates["closure_rate"] == Decimal("0.0000")
    for name in ("rework_rate", "dispatch_accuracy", "hotline_response_rate", "hotline_satisfaction_rate"):
        assert rates[name] is None, name
        assert metrics.percent(rates[name]) == "—"
    assert set(metrics.rates(metrics.zero_counts()).values()) == {None}


def test_figures_are_kept_per_channel_group_major_class_and_department(october):
    p = october
    d1 = p.city.districts[0]

    def channel(key):
        return figure(OCT, "district", d1.pk, "channel", key)

    assert {key: channel(key)["filed"] for key in ("citizen", "patrol", "video", "other")} == {
        "citizen": 3,  # A B D
        "patrol": 2,  # C H
        "video": 1,  # E
        "other": 1,  # I
    }
    assert channel("patrol")["rework"] == 2 and channel("patrol")["closed_on_time"] == 1  # H
    assert channel("citizen")["callbacks"] == 2
    utilities, appearance = (MajorCategory.objects.get(code=code).pk for code in ("01", "06"))
    assert figure(OCT, "district", d1.pk, "major", str(utilities))["filed"] == 6
    assert figure(OCT, "district", d1.pk, "major", str(appearance)) == only(
        COUNTS, filed=1, handled=1, handled_on_time=1, delayed=1, dispatched=1
    )
    # Departments: the one holding the case now (E's return is counted with 市政).
    sz = figure(OCT, "department", p.dept_a.pk)
    assert (sz["filed"], sz["dispatched"], sz["returned"]) == (6, 7, 1)  # A B C D E I
    assert not Figure.objects.filter(month=OCT, level="department", unit_id=p.dept_b.pk).exists()
    # Channel groups and major classes add up to the whole.
    for dimension in ("channel", "major"):
        parts = Figure.objects.filter(month=OCT, level="district", unit_id=d1.pk, dimension=dimension)
        total = metrics.zero_counts()
        for part in parts.values(*COUNTS):
            metrics.add_counts(total, part)
        assert total == D1_OCTOBER, dimension


def test_counts_as_of_a_past_moment_leave_out_what_happened_after_it(october):
    d1 = october.city.districts[0]
    month_end = stats.cohort_counts(OCT, at("2026-11-01 00:00"), "district_id")[d1.pk]
    # I was fed back and closed on 2 November: not yet handled nor closed at month end.
    assert month_end == {**D1_OCTOBER, "closed": 4, "closed_on_time": 2, "handled": 5, "handled_on_time": 3}
    settled = stats.cohort_counts(OCT, at("2026-11-04 00:00"), "district_id")[d1.pk]
    assert settled == D1_OCTOBER
    # Before the callbacks of 15 October, and before D's feedback.
    early = stats.cohort_counts(OCT, at("2026-10-15 00:00"), "district_id")[d1.pk]
    assert (early["callbacks"], early["handled"], early["closed"]) == (0, 4, 4)


def test_a_case_reopened_after_a_dissatisfied_callback_is_not_closed_until_closed_again(october):
    p = october
    d1 = p.city.districts[0]
    b = Case.objects.get(satisfaction="dissatisfied")
    with clock.acting_at(at("2026-10-16 09:00")):
        services.case_reopen(case=b, by=p.dispatcher, reason="群众不满意")
    drain_all()
    reopened = figure(OCT, "district", d1.pk)
    assert (reopened["closed"], reopened["callbacks"], reopened["callbacks_satisfied"]) == (4, 1, 1)
    assert reopened["rework"] == 2  # a reopening is not a check-fail
    feed_back(p, b, "2026-10-16 10:00")
    close(p, b, "2026-10-16 11:00")
    drain_all()
    again = figure(OCT, "district", d1.pk)
    # Closed again, and on time against the new handling deadline of the reopening.
    assert (again["closed"], again["closed_on_time"], again["handled_on_time"]) == (5, 4, 5)


def test_voiding_a_counted_case_takes_it_out_of_every_figure(october):
    p = october
    d2 = p.city.districts[1]
    late = Case.objects.get(filed_at=at("2026-10-31 23:50"))
    with clock.acting_at(at("2026-11-03 09:00")):
        services.case_void(case=late, by=p.shift_leader, reason="重复登记")
    drain_all()
    assert not Figure.objects.filter(month=OCT, level="district", unit_id=d2.pk).exists()
    assert figure(OCT, "city", 0)["filed"] == 7


def test_the_drained_figures_are_those_a_rebuild_computes(october):
    incremental = stored()
    stats.rebuild()
    assert stored() == incremental


def test_the_published_check_of_a_city_bulletin():
    """DOMAIN.md §7: 应结案 972, 结案 911, 按期结案 737 → 93.72 % and 75.82 %."""
    counts = {**metrics.zero_counts(), "filed": 972, "closed": 911, "closed_on_time": 737}
    rates = metrics.rates(counts)
    assert (rates["closure_rate"], rates["on_time_closure_rate"]) == (Decimal("0.9372"), Decimal("0.7582"))
    assert metrics.percent(rates["closure_rate"]) == "93.72 %"
    assert metrics.percent(rates["on_time_closure_rate"]) == "75.82 %"
    assert metrics.percent(None) == "—"
