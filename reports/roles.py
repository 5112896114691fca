"""Role scores for staff evaluation (DOMAIN.md §7, optional), for one month.

监督员: 有效上报率 × 40 % + (1 − 漏报率) × 20 % + 按时核实率 × 20 % + 按时核查率 × 20 %
派遣员: 派遣数分值 × 20 % + 按时派遣率 × 40 % + 派遣准确率 × 40 %
Grades A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below. A rate without a denominator
is missing and re-weighted over the others, as in the district assessment.

Definitions (the usual ones of 数字城管 staff evaluation):
- 有效上报: a patrol report of the month neither rejected nor voided (duplicates
  are voided); 有效上报率 = valid / reports.
- 漏报: a citizen case (hotline, public) filed in the month in the inspector's
  grids; 漏报率 = missed / (valid reports + missed).
- 按时核实 / 按时核查: a verify (check) task of the month answered by its step
  deadline; the rate is over the tasks asked of the inspector.
- 派遣数分值: the dispatcher's dispatches / the most any dispatcher made.
- 按时派遣: dispatched by the dispatch step deadline set at filing (or at an
  approved return); 派遣准确率: dispatches not returned / dispatches.

Reads the month's case events once (about a third of a million rows at a
million cases a year) and is cached under the statistics version: a page for
an evaluation meeting, not a dashboard.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q

from cases.models import Case, CaseEvent, Source
from org.models import UnitGrid
from reports import stats
from reports.metrics import grade, ratio, weighted

INSPECTOR_WEIGHTS = {"valid": Decimal(40), "not_missed": Decimal(20), "verify": Decimal(20), "check": Decimal(20)}
DISPATCHER_WEIGHTS = {"volume": Decimal(20), "on_time": Decimal(40), "accuracy": Decimal(40)}
# Answers to a request of the month's last days may come in the next month, and
# a case dispatched early in the month may have been filed late in the last one.
ANSWER_GRACE = timedelta(days=7)
EVENT_ACTIONS = ["file", "decide-request", "dispatch", "verify-request", "verify-reply", "check-request"]
ANSWERS = {"verify-reply": "verify", "check-pass": "check", "check-fail": "check"}


def _events(month: date):
    start, end = stats.month_range(month)
    return (
        CaseEvent.objects.filter(created_at__gte=start - ANSWER_GRACE, created_at__lt=end + ANSWER_GRACE)
        .filter(action__in=[*EVENT_ACTIONS, *ANSWERS])
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "action", "actor_id", "data", "step_deadline", "created_at")
    )


def _walk_events(month: date) -> dict:
    """Per inspector (username) tasks and answers in time; per dispatcher (user
    id) dispatches, in time, and returned."""
    start, end = stats.month_range(month)
    asked, answered = Counter(), Counter()
    dispatched, in_time, returned = Counter(), Counter(), Counter()
    case_id = None
    for row_case, action, actor, data, step_deadline, moment in _events(month).iterator(chunk_size=5000):
        if row_case != case_id:
            case_id, dispatch_due, last_dispatcher, open_task = row_case, None, None, None
        this_month = start <= moment < end
        if action in ("verify-request", "check-request"):
            open_task = (action.split("-")[0], data.get("inspector"), step_deadline) if this_month else None
            if open_task:
                asked[(open_task[0], open_task[1])] += 1
        elif action in ANSWERS:
            if open_task and open_task[0] == ANSWERS[action]:
                kind, who, due = open_task
                if due is None or moment <= due:
                    answered[(kind, who)] += 1
            open_task = None
        elif action == "file":
            dispatch_due = step_deadline
        elif action == "dispatch":
            last_dispatcher = actor if this_month else None
            if this_month:
                dispatched[actor] += 1
                if dispatch_due is None or moment <= dispatch_due:
                    in_time[actor] += 1
        elif action == "decide-request" and data.get("kind") == "return" and data.get("approved"):
            dispatch_due = step_deadline
            if last_dispatcher is not None:
                returned[last_dispatcher] += 1
            last_dispatcher = None
    return {"asked": asked, "answered": answered, "dispatched": dispatched, "in_time": in_time, "returned": returned}


def _reports(month: date) -> dict[int, tuple[int, int]]:
    """Inspector id -> (patrol reports of the month, valid ones)."""
    start, end = stats.month_range(month)
    rows = (
        Case.objects.filter(reported_at__gte=start, reported_at__lt=end, source=Source.PATROL)
        .order_by()
        .values("reporter_id")
        .annotate(total=Count("id"), valid=Count("id", filter=~Q(status__in=["rejected", "voided"])))
    )
    return {row["reporter_id"]: (row["total"], row["valid"]) for row in rows}


def _missed(month: date) -> Counter:
    """Inspector id -> citizen cases filed in the month in their grids."""
    start, end = stats.month_range(month)
    per_grid = dict(
        Case.objects.filter(filed_at__gte=start, filed_at__lt=end, source__in=[Source.HOTLINE, Source.PUBLIC])
        .exclude(status="voided")
        .order_by()
        .values_list("grid_id")
        .annotate(n=Count("id"))
    )
    missed = Counter()
    for grid_id, inspector_id in UnitGrid.inspectors.through.objects.values_list("unitgrid_id", "user_id"):
        missed[inspector_id] += per_grid.get(grid_id, 0)
    return missed


def role_scores(month: date) -> dict[str, list[dict]]:
    """``{"inspectors": [...], "dispatchers": [...]}`` rows with the rates (0–1),
    score, grade; best first."""
    key = f"reports:roles:{stats.version()}:{month:%Y-%m}"
    found = cache.get(key)
    if found is None:
        found = _compute(month)
        cache.set(key, found, timeout=600)
    return found


def _compute(month: date) -> dict[str, list[dict]]:
    walked = _walk_events(month)
    reports, missed = _reports(month), _missed(month)
    users = get_user_model().objects.filter(groups__name__in=["inspector", "dispatcher"]).distinct()
    people = {u.pk: u for u in users.prefetch_related("groups")}
    inspectors, dispatchers = [], []
    most = max(walked["dispatched"].values(), default=0)
    asked, answered = walked["asked"], walked["answered"]
    for user in sorted(people.values(), key=lambda u: u.username):
        groups = {g.name for g in user.groups.all()}
        name = user.get_full_name() or user.username
        if "inspector" in groups:
            total, valid = reports.get(user.pk, (0, 0))
            miss = missed.get(user.pk, 0)
            values = {
                "valid": ratio(valid, total),
                "not_missed": None if valid + miss == 0 else 1 - ratio(miss, valid + miss),
                "verify": ratio(answered[("verify", user.username)], asked[("verify", user.username)]),
                "check": ratio(answered[("check", user.username)], asked[("check", user.username)]),
            }
            score, missing = weighted(values, INSPECTOR_WEIGHTS)
            inspectors.append(
                {"username": user.username, "name": name, "reports": total, "valid_reports": valid, "missed": miss,
                 "verify_tasks": asked[("verify", user.username)], "check_tasks": asked[("check", user.username)],
                 **{f"{k}_rate": v for k, v in values.items()},
                 "score": score, "grade": grade(score), "missing": list(missing)}
            )  # fmt: skip
        if "dispatcher" in groups:
            count = walked["dispatched"][user.pk]
            values = {
                "volume": ratio(count, most) if count else None,  # no dispatches: nothing to score
                "on_time": ratio(walked["in_time"][user.pk], count),
                "accuracy": ratio(count - walked["returned"][user.pk], count),
            }
            score, missing = weighted(values, DISPATCHER_WEIGHTS)
            dispatchers.append(
                {"username": user.username, "name": name, "dispatches": count,
                 "returned": walked["returned"][user.pk], **{f"{k}_rate": v for k, v in values.items()},
                 "score": score, "grade": grade(score), "missing": list(missing)}
            )  # fmt: skip

    def best_first(row):
        return (row["score"] is None, -(row["score"] or 0), row["username"])

    return {"inspectors": sorted(inspectors, key=best_first), "dispatchers": sorted(dispatchers, key=best_first)}
