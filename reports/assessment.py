"""Monthly assessment and ranking (综合考评排名, DOMAIN.md §7).

A month is ranked live from the stored figures until its settle period ends
(month end + settle days); then ``freeze_due_months`` freezes it: counts as of
that moment, ranks and boards are stored and no longer move. Only an admin can
recompute a frozen month (``recompute_frozen``), and the change is logged.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from citymgmt.routers import primary
from org.models import Department, Region
from reports import stats
from reports.metrics import Ranked, add_counts, rank, rates, score, zero_counts
from reports.models import COUNTS, AssessmentChange, AssessmentMonth, AssessmentScheme, Figure, Ranking, StatsMonth

log = logging.getLogger(__name__)

LEVELS = ("district", "street", "department")
DEFAULT_SCHEME = AssessmentScheme(year=0)  # the defaults of DOMAIN.md §7


def scheme_for(month: date) -> AssessmentScheme:
    """The scheme of the month's year, else the latest earlier one, else the default."""
    return AssessmentScheme.objects.filter(year__lte=month.year).order_by("-year").first() or DEFAULT_SCHEME


def settle_moment(month: date, scheme: AssessmentScheme | None = None) -> datetime:
    """Month end + settle days, local midnight: the as_of of the frozen month."""
    scheme = scheme or scheme_for(month)
    end = stats.next_month(month) + timedelta(days=scheme.settle_days)
    return datetime.combine(end, time.min, tzinfo=timezone.get_default_timezone())


# --- units ----------------------------------------------------------------------------


def units(level: str) -> list[tuple[int, str, str]]:
    """(id, code, name) of every unit of a level, in code order."""
    if level == "department":
        return list(Department.objects.filter(is_active=True).order_by("code").values_list("id", "code", "name"))
    return list(Region.objects.filter(level=level).order_by("code").values_list("id", "code", "name"))


def sanitation_scores(month: date, level: str) -> dict[int, Decimal | None]:
    """Region id -> the month's sanitation score (None without inspections)."""
    if level == "department" or not apps.is_installed("sanitation"):
        return {}
    from sanitation.selectors import monthly_sanitation_scores

    return {row["region"].id: row["score"] for row in monthly_sanitation_scores(month, level)}


def live_counts(month: date, level: str) -> dict[int, dict[str, int]]:
    rows = Figure.objects.filter(month=month, level=level, dimension="all").values("unit_id", *COUNTS)
    return {row.pop("unit_id"): row for row in rows}


# --- ranking -----------------------------------------------------------------------


def ranked_rows(
    month: date, level: str, counts: dict[int, dict[str, int]], previous: dict[str, int] | None
) -> list[dict]:
    """§11's report rows for every unit of the level, ranked."""
    scheme = scheme_for(month)
    weights = scheme.weights()
    sanitation = sanitation_scores(month, level)
    rows, ranked = {}, []
    for unit_id, code, name in units(level):
        unit_counts = add_counts(zero_counts(), counts.get(unit_id, {}))
        unit_rates = rates(unit_counts)
        sanitation_score = sanitation.get(unit_id)
        result = score(unit_rates, sanitation_score, weights, with_sanitation=level != "department")
        rows[code] = {
            "unit_id": unit_id,
            "code": code,
            "name": name,
            **unit_counts,
            **unit_rates,
            "sanitation_score": sanitation_score,
            "score": result.score,
            "missing": list(result.missing),
            "reweighted": result.reweighted,
        }
        ranked.append(Ranked(code, result.score, unit_rates["on_time_closure_rate"], unit_rates["closure_rate"]))
    for unit in rank(ranked, board_size=scheme.board_size, previous=previous):
        rows[unit.code].update(rank=unit.rank, rank_change=unit.rank_change, red_flag=unit.red_flag, board=unit.board)
    return sorted(rows.values(), key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


def previous_ranks(month: date, level: str) -> dict[str, int]:
    before = (month - timedelta(days=1)).replace(day=1)
    frozen = AssessmentMonth.objects.filter(month=before).first()
    if frozen:
        return dict(frozen.rows.filter(level=level, rank__isnull=False).values_list("code", "rank"))
    if not StatsMonth.objects.filter(month=before).exists():
        return {}
    return {r["code"]: r["rank"] for r in ranked_rows(before, level, live_counts(before, level), None) if r["rank"]}


def monthly(month: date, level: str) -> dict:
    """The month's report at a level: frozen rows when frozen, else live ones.

    Returns ``{"month", "level", "as_of", "frozen", "rows"}``.
    """
    if level not in LEVELS:
        raise ValueError(level)
    frozen = AssessmentMonth.objects.filter(month=month).first()
    if frozen:
        weights = scheme_for(month).weights()
        rows = [_stored_row(r, weights) for r in frozen.rows.filter(level=level).order_by("rank", "code")]
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
        return {"month": month, "level": level, "as_of": frozen.as_of, "frozen": True, "rows": rows}
    computed = StatsMonth.objects.filter(month=month).values_list("computed_at", flat=True).first()
    rows = ranked_rows(month, level, live_counts(month, level), previous_ranks(month, level))
    return {"month": month, "level": level, "as_of": computed, "frozen": False, "rows": rows}


def _stored_row(r: Ranking, weights: dict[str, Decimal]) -> dict:
    """A frozen row as ``ranked_rows`` gives a live one; the missing components
    are those the stored rates and sanitation score leave without a value."""
    counts = r.counts()
    unit_rates = rates(counts)
    result = score(unit_rates, r.sanitation_score, weights, with_sanitation=r.level != "department")
    return {
        "unit_id": r.unit_id,
        "code": r.code,
        "name": r.name,
        **counts,
        **unit_rates,
        "sanitation_score": r.sanitation_score,
        "score": r.score,
        "missing": list(result.missing) if r.score is not None else [],
        "reweighted": r.reweighted,
        "rank": r.rank,
        "rank_change": r.rank_change,
        "red_flag": r.red_flag,
        "board": r.board or None,
    }


# --- freezing ------------------------------------------------------------------------


def _frozen_rows(month: date, as_of: datetime) -> list[Ranking]:
    keys = {"district": "district_id", "street": "street_id", "department": "department_id"}
    result = []
    for level in LEVELS:
        counts = stats.cohort_counts(month, as_of, keys[level])
        for row in ranked_rows(month, level, counts, previous_ranks(month, level)):
            result.append(
                Ranking(
                    level=level,
                    unit_id=row["unit_id"],
                    code=row["code"],
                    name=row["name"],
                    sanitation_score=row["sanitation_score"],
                    score=row["score"],
                    rank=row["rank"],
                    rank_change=row["rank_change"],
                    red_flag=row["red_flag"],
                    board=row["board"] or "",
                    reweighted=row["reweighted"],
                    **{name: row[name] for name in COUNTS},
                )
            )
    return result


def freeze(month: date, *, now: datetime | None = None) -> AssessmentMonth | None:
    """Freezes one month once its settle period is over; idempotent (a second
    call, or a second worker, finds it frozen and changes nothing)."""
    now = now or timezone.now()
    scheme = scheme_for(month)
    as_of = settle_moment(month, scheme)
    if as_of > now:
        return None
    with primary(), transaction.atomic():
        stats.lock_figures()
        existing = AssessmentMonth.objects.filter(month=month).first()
        if existing:
            return existing
        assessment = AssessmentMonth.objects.create(month=month, as_of=as_of, frozen_at=now, scheme_year=scheme.year)
        rows = _frozen_rows(month, as_of)
        for row in rows:
            row.assessment = assessment
        Ranking.objects.bulk_create(rows)
        stats.bump_version()
    log.info("froze the assessment of %s as of %s", month.strftime("%Y-%m"), as_of.isoformat())
    return assessment


def freeze_due_months(now: datetime | None = None) -> list[date]:
    """Every month with figures whose settle period is over and is not frozen yet."""
    now = now or timezone.now()
    frozen = set(AssessmentMonth.objects.values_list("month", flat=True))
    done = []
    for month in StatsMonth.objects.order_by("month").values_list("month", flat=True):
        if month not in frozen and freeze(month, now=now):
            done.append(month)
    return done


def recompute_frozen(month: date, *, by, reason: str) -> AssessmentChange:
    """An admin recomputes a frozen month (same as_of, today's cases and
    scheme); what changed is logged (DOMAIN.md §7)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    with primary(), transaction.atomic():
        stats.lock_figures()
        assessment = AssessmentMonth.objects.select_for_update().get(month=month)
        before = {(r.level, r.code): r for r in assessment.rows.all()}
        rows = _frozen_rows(month, assessment.as_of)
        differences = []
        for row in rows:
            old = before.get((row.level, row.code))
            changed = {
                name: [_plain(getattr(old, name, None)), _plain(getattr(row, name))]
                for name in ("score", "rank", "board", *COUNTS)
                if old is None or getattr(old, name) != getattr(row, name)
            }
            if changed:
                differences.append({"level": row.level, "code": row.code, "name": row.name, "changed": changed})
        assessment.rows.all().delete()
        for row in rows:
            row.assessment = assessment
        Ranking.objects.bulk_create(rows)
        assessment.scheme_year = scheme_for(month).year
        assessment.save(update_fields=["scheme_year"])
        stats.bump_version()
        change = AssessmentChange.objects.create(
            assessment=assessment, changed_by=by, changed_at=timezone.now(), reason=reason, differences=differences
        )
    log.info("assessment of %s recomputed by user %s: %d rows changed", month, by.pk, len(differences))
    return change


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def city_totals(month: date) -> dict:
    counts = Figure.objects.filter(month=month, level="city", dimension="all").values(*COUNTS).first()
    counts = counts or zero_counts()
    return {**counts, **rates(counts)}
