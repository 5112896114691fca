"""Many realistic cases, fast, for benchmarks (``manage.py generate_cases``).

Not through the services: a million cases through them would take hours.
Each case's life is computed with the rules the services apply (default
routing, handling limits per category and urgency, the step limits and their
80 % yellow mark, working time from the work calendar), a batch at a time
with numpy, and written with PostgreSQL COPY (bulk_create on SQLite). Each
case gets its report event, an event for its latest transition and, when
there was one, its callback. Numbers come from cases_casenumbersequence,
reserved per day with the same upsert intake uses, so later intakes never
collide with generated numbers. Never run it on production data.

A large load on PostgreSQL (``BULK_LOAD`` cases or more) runs in one
transaction that drops the table's secondary indexes and builds them again
at the end, which is several times faster than keeping them up to date row
by row; a failure rolls everything back, indexes included.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from cases.deadlines import NATURAL_MINUTES, YELLOW_SHARE, step_limits
from cases.demo import CATEGORY_TEXTS, CHANNELS, GIVEN, PHONE_PREFIXES, PREFIX, ROADS, SPOTS, SURNAMES
from cases.models import Case, CaseEvent, Category, Status
from org.models import Department, Region, UnitGrid
from org.worktime import TimeUnit, get_work_calendar

MAX_PER_DAY = 99_999  # five digits of daily sequence
BULK_LOAD = 100_000
HOUR = 3600.0
NAN = np.nan
SOURCES = [name for name, _w in CHANNELS]
HOTLINE_TYPES = ["complaint", "help", "suggestion", "consult"]
HOTLINE_TYPE_WEIGHTS = [0.6, 0.25, 0.1, 0.05]
# The case's states in the order a life passes them (index = code used below).
STATES = [
    Status.REPORTED, Status.VERIFYING, Status.REJECTED, Status.FILED, Status.VOIDED, Status.DISPATCHED,
    Status.IN_PROGRESS, Status.SUSPENDED, Status.HANDLED, Status.CHECKING, Status.CHECKED, Status.CLOSED,
]  # fmt: skip
S = {state: code for code, state in enumerate(STATES)}
# The event that led to each state: (action, actor, from state).
LAST_EVENT = {
    Status.VERIFYING: ("verify-request", "operator", Status.REPORTED),
    Status.FILED: ("file", "shiftleader", Status.REPORTED),
    Status.DISPATCHED: ("dispatch", "dispatcher", Status.FILED),
    Status.IN_PROGRESS: ("sign", "handler", Status.DISPATCHED),
    Status.SUSPENDED: ("decide-request", "dispatcher", Status.IN_PROGRESS),
    Status.HANDLED: ("feedback", "handler", Status.IN_PROGRESS),
    Status.CHECKING: ("check-request", "operator", Status.HANDLED),
    Status.CHECKED: ("check-pass", "inspector", Status.CHECKING),
    Status.CLOSED: ("close", "shiftleader", Status.CHECKED),
    Status.REJECTED: ("reject", "operator", Status.REPORTED),
    Status.VOIDED: ("void", "shiftleader", Status.REPORTED),
}
CASE_COLUMNS = [
    "id", "number", "status", "source", "category_id", "urgency", "description", "address", "lat", "lng",
    "grid_id", "community_id", "street_id", "district_id", "department_id", "reporter_id", "inspector_id",
    "self_handled", "verified", "reported_at", "filed_at", "dispatched_at", "signed_at", "first_contact_at",
    "handled_at", "closed_at", "suspended_at", "callback_at", "deadline", "deadline_started_at", "step",
    "step_started_at", "step_yellow_at", "step_deadline", "yellow_noticed_for", "red_noticed_for", "escalated_for",
    "rework_count", "delay_count", "return_count", "supervision_level", "duplicate_of_id", "hotline_ticket_no",
    "hotline_type", "caller_name", "caller_phone", "satisfaction", "resolved", "created_at", "updated_at",
    "signed_in_time", "responded_in_time",
]  # fmt: skip
EVENT_COLUMNS = ["case_id", "action", "actor_id", "from_status", "to_status", "comment", "data", "step_deadline"]
EVENT_COLUMNS += ["created_at"]


class _WorkClock:
    """Working time as a number line (seconds) over a range of days, vectorised.

    Same meaning as org.worktime.WorkCalendar.add_working_time (a limit that
    runs out at 12:00 is due at 12:00), with a binary search per moment
    instead of a walk through the days. NaN stands for "does not happen".
    """

    def __init__(self, first: date, last: date):
        calendar = get_work_calendar()
        starts, ends = [], []
        day = first
        while day <= last:
            for begin, end in calendar.day_periods(day):
                starts.append(begin.timestamp())
                ends.append(end.timestamp())
            day += timedelta(days=1)
        self.starts, self.ends = np.array(starts), np.array(ends)
        self.before = np.concatenate([[0.0], np.cumsum(self.ends - self.starts)[:-1]])
        self.day_seconds = calendar.day_length.total_seconds()

    def _period(self, ts: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.starts, ts, side="right") - 1, 0, len(self.starts) - 1)

    def position(self, ts: np.ndarray) -> np.ndarray:
        i = self._period(ts)
        inside = np.clip(np.minimum(ts, self.ends[i]) - self.starts[i], 0, None)
        return np.where(ts < self.starts[0], 0.0, self.before[i] + inside)

    def moment(self, position: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.before, position, side="left") - 1, 0, len(self.before) - 1)
        return self.starts[i] + (position - self.before[i])

    def add(self, ts: np.ndarray, seconds) -> np.ndarray:
        """``ts`` plus ``seconds`` of working time (NaN stays NaN)."""
        seconds = np.broadcast_to(np.asarray(seconds, dtype=float), ts.shape)
        out = np.full(ts.shape, NAN)
        ok = np.isfinite(ts)
        out[ok] = self.moment(self.position(ts[ok]) + seconds[ok])
        return out

    def working(self, ts: np.ndarray) -> np.ndarray:
        i = self._period(np.nan_to_num(ts))
        return (ts >= self.starts[i]) & (ts <= self.ends[i])

    def between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.full(a.shape, NAN)
        ok = np.isfinite(a) & np.isfinite(b)
        out[ok] = np.maximum(self.position(b[ok]) - self.position(a[ok]), 0.0)
        return out


@dataclass
class _Limit:
    seconds: float
    working: bool  # counted in working time (else natural time)


class _Reference:
    """Categories, grids, routing and the demo people, as arrays."""

    def __init__(self, day_seconds: float):
        def limit(value, unit) -> _Limit:
            if unit == NATURAL_MINUTES:
                return _Limit(float(value) * 60, False)
            per = day_seconds if unit == TimeUnit.WORKING_DAYS else HOUR
            return _Limit(float(value) * per, unit != TimeUnit.NATURAL_HOURS)

        categories = list(Category.objects.filter(is_active=True).order_by("code"))
        if not categories:
            raise ValueError("no case categories: run manage.py seed_demo (or load_categories) first")
        self.category_ids = np.array([c.id for c in categories])
        self.category_codes = [c.code for c in categories]
        weights = np.array([CATEGORY_TEXTS.get(c.code, (3,))[0] for c in categories], dtype=float)
        self.category_cumulative = np.cumsum(weights / weights.sum())
        normal = [limit(c.limit_value, c.limit_unit) for c in categories]
        self.normal_seconds = np.array([lim.seconds for lim in normal])
        self.normal_working = np.array([lim.working for lim in normal])
        self.urgent_seconds = np.array([float(c.urgent_limit_hours or 0) * HOUR for c in categories])

        names = dict(Region.objects.filter(level__in=["street", "community"]).values_list("id", "name"))
        rows = list(
            UnitGrid.objects.order_by("code").values_list(
                "id", "community_id", "street_id", "district_id", "min_lat", "max_lat", "min_lng", "max_lng"
            )
        )
        if not rows:
            raise ValueError("no unit grids: run manage.py seed_demo (or import_grids) first")
        grid = np.array([r[:4] for r in rows], dtype=np.int64)
        self.grid_id, self.grid_community, self.grid_street, self.grid_district = grid.T
        box = np.array([r[4:] for r in rows])
        self.min_lat, self.max_lat, self.min_lng, self.max_lng = box.T
        self.grid_place = [names[r[2]] + names[r[1]] for r in rows]

        departments = list(Department.objects.filter(is_active=True).order_by("code"))
        owner = {}
        for d in departments:
            if d.kind != Department.Kind.STREET_OFFICE:
                owner.setdefault(d.kind, d.id)
        offices = {d.street_id: d.id for d in departments if d.kind == Department.Kind.STREET_OFFICE}
        # Default routing (DOMAIN.md §1, cases.selectors.default_department) per category × street; -1: none.
        streets = sorted(set(self.grid_street.tolist()))
        self.street_index = {s: i for i, s in enumerate(streets)}
        self.grid_street_index = np.array([self.street_index[s] for s in self.grid_street.tolist()])
        table = np.full((len(categories), len(streets)), -1, dtype=np.int64)
        for ci, category in enumerate(categories):
            for si, street in enumerate(streets):
                if category.owner_department_kind == Department.Kind.STREET_OFFICE:
                    own = offices.get(street)
                else:
                    own = owner.get(category.owner_department_kind)
                local = offices.get(street)
                first, second = (own, local) if category.kind == "component" else (local, own)
                table[ci, si] = first or second or -1
        self.routing = table

        users = dict(get_user_model().objects.values_list("username", "id"))
        self.operator, self.shift_leader, self.dispatcher = (
            users.get(n) for n in ("operator", "shiftleader", "dispatcher")
        )
        districts = dict(Region.objects.filter(level="district").values_list("id", "code"))
        first_code = min(districts.values(), default=None)
        self.inspector_of = {
            i: users.get("inspector" if code == first_code else f"inspector-{code}") for i, code in districts.items()
        }
        self.handler_of = {d.id: users.get(f"handler-{d.code}") for d in departments}
        self.steps = {name: limit(value, unit) for name, (value, unit) in step_limits().items()}


def _iso(ts: np.ndarray) -> list[str | None]:
    """Epoch seconds to ISO 8601 UTC strings (None for NaN), in C."""
    finite = np.isfinite(ts)
    seconds = np.where(finite, np.round(np.nan_to_num(ts)), 0).astype("int64").astype("datetime64[s]")
    text = np.datetime_as_string(seconds, unit="s", timezone="UTC").astype(object)
    text[~finite] = None
    return text.tolist()


class _Generator:
    def __init__(self, *, seed: int, start: datetime, end: datetime):
        self.rng = np.random.default_rng(seed)
        self.start_ts, self.end_ts = start.timestamp(), end.timestamp()
        self.tz = get_work_calendar().tz
        first = start.astimezone(self.tz).date() - timedelta(days=2)
        self.clock = _WorkClock(first, end.astimezone(self.tz).date() + timedelta(days=400))
        self.ref = _Reference(self.clock.day_seconds)
        weights = np.array([w for _n, w in CHANNELS], dtype=float)
        self.source_cumulative = np.cumsum(weights / weights.sum())
        self.counts = dict.fromkeys(STATES, 0)
        self.alive_of_category: dict[int, int] = {}  # category index -> latest case id that is not voided

    # --- when ------------------------------------------------------------------------------------
    def day_counts(self, count: int) -> list[tuple[date, int]]:
        """Spread ``count`` over the days: fewer on days off, a slowly growing city."""
        calendar = get_work_calendar()
        first = datetime.fromtimestamp(self.start_ts, self.tz).date()
        last = datetime.fromtimestamp(self.end_ts, self.tz).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weights = np.array([(1.0 if calendar.is_working_day(d) else 0.6) for d in days])
        weights *= 1 + 0.3 * np.arange(len(days)) / len(days)
        midnight = datetime.combine(last, datetime.min.time(), self.tz).timestamp()
        weights[-1] *= min(1.0, (self.end_ts - midnight) / 86400)
        exact = count * weights / weights.sum()
        counts = np.floor(exact).astype(int)
        counts[np.argsort(counts - exact)[: count - counts.sum()]] += 1
        if counts.max() > MAX_PER_DAY:
            raise ValueError(f"{counts.max()} cases on one day: numbers have 5 digits; use more --months")
        return [(d, int(n)) for d, n in zip(days, counts, strict=True) if n]

    def reports(self, days: list[tuple[date, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Report moments (sorted within each day) and channels of the cases of some days."""
        n = sum(k for _d, k in days)
        base = np.repeat([datetime.combine(d, datetime.min.time(), self.tz).timestamp() for d, _k in days],
                         [k for _d, k in days])  # fmt: skip
        rng = self.rng
        source = np.searchsorted(self.source_cumulative, rng.random(n) * self.source_cumulative[-1])
        citizen = np.isin(source, [SOURCES.index(s) for s in ("hotline", "public", "video")])
        hours = np.where(
            citizen,
            np.where(rng.random(n) < 0.88, rng.uniform(7.5, 21.5, n), rng.uniform(0, 24, n)),
            rng.uniform(7.5, 18.5, n),
        )
        ts = np.floor(np.clip(base + hours * HOUR, self.start_ts, self.end_ts - 60))  # whole seconds: the day stays
        order = np.lexsort((ts, base))
        return ts[order], source[order]

    # --- how ---------------------------------------------------------------------------------------
    def office(self, ts: np.ndarray, low: float, high, keep: float = 0.3) -> np.ndarray:
        """The command centre: minutes later, mostly in working time."""
        n = len(ts)
        moment = ts + (low + self.rng.random(n) * (np.asarray(high) - low)) * 60
        stays = self.clock.working(moment) | (self.rng.random(n) < keep)
        return np.where(stays, moment, self.clock.add(moment, self.rng.uniform(2, 45, n) * 60))

    def later(self, ts: np.ndarray, seconds: np.ndarray, working: np.ndarray) -> np.ndarray:
        return np.where(working, self.clock.add(ts, seconds), ts + seconds)

    def point(self, start: np.ndarray, deadline: np.ndarray, working: np.ndarray, share) -> np.ndarray:
        """The moment ``share`` of the window from ``start`` to ``deadline`` has passed."""
        natural = start + (deadline - start) * share
        return np.where(working, self.clock.add(start, self.clock.between(start, deadline) * share), natural)

    def window(self, start: np.ndarray, limit: _Limit) -> tuple[np.ndarray, np.ndarray]:
        if limit.working:
            return self.clock.add(start, limit.seconds * float(YELLOW_SHARE)), self.clock.add(start, limit.seconds)
        return start + limit.seconds * float(YELLOW_SHARE), start + limit.seconds

    def batch(self, ids: np.ndarray, numbers: list[str], reported: np.ndarray, source: np.ndarray):
        """Rows of the cases and their events."""
        rng, ref, clock, now, n = self.rng, self.ref, self.clock, self.end_ts, len(ids)
        U = rng.random
        src = {name: source == i for i, name in enumerate(SOURCES)}
        citizen = src["hotline"] | src["public"]
        category = np.searchsorted(ref.category_cumulative, U(n) * ref.category_cumulative[-1])
        grid = rng.integers(0, len(ref.grid_id), n)
        urgent = (ref.urgent_seconds[category] > 0) & (U(n) < 0.05)
        limit_seconds = np.where(urgent, ref.urgent_seconds[category], ref.normal_seconds[category])
        limit_working = np.where(urgent, False, ref.normal_working[category])

        roll = U(n)
        self_handled = src["patrol"] & (roll > 0.92)
        reject = roll < 0.04
        void = (roll >= 0.04) & (roll < 0.07)
        suspend = (roll >= 0.07) & (roll < 0.075)  # approved 挂账, not resumed
        stuck = (roll >= 0.075) & (roll < 0.08)  # signed, never fed back: overdue
        void_early = void & (roll < 0.055)
        verify = citizen & (U(n) < 0.15)
        verifying = np.where(verify, self.office(reported, 2, 8), NAN)
        verified = np.where(verify, clock.add(verifying, rng.uniform(0.2, 0.8, n) * HOUR), NAN)
        accepted = np.where(verify, verified, reported)
        rejected = np.where(reject & ~self_handled, self.office(accepted, 3, 40), NAN)
        voided = np.where(void_early & ~self_handled, self.office(accepted, 5, 60), NAN)
        goes_on = ~self_handled & ~reject & ~void_early
        filed = np.where(goes_on, self.office(accepted, 1, 25), NAN)
        voided = np.where(void & ~void_early & goes_on, self.office(filed, 5, 60), voided)
        dispatched = np.where(goes_on & ~void, self.office(filed, 1, 15), NAN)
        returned = np.isfinite(dispatched) & (U(n) < 0.03)
        dispatched = np.where(returned, self.office(dispatched + rng.uniform(0.5, 3, n) * HOUR, 1, 15), dispatched)
        deadline = self.later(dispatched, limit_seconds, limit_working)
        slow_sign = U(n) < 0.1
        signed = clock.add(dispatched, np.where(slow_sign, rng.uniform(1.1, 3.5, n), rng.uniform(0.05, 0.95, n)) * HOUR)
        late_contact = U(n) < 0.08
        contacted = np.where(src["hotline"], self.office(signed, 15, np.where(late_contact, 2400, 360)), NAN)
        # As case_sign and case_contact_caller judge them: signed within the sign
        # step's window of the (last) dispatch; the caller reached within the
        # contact limit (natural hours) of it by a case signed in time.
        sign_in_time = signed <= self.window(dispatched, ref.steps["sign"])[1]
        contact_hours = float(step_limits()["contact"][0])
        respond_in_time = sign_in_time & (contacted <= dispatched + contact_hours * HOUR)
        delayed = np.isfinite(dispatched) & (U(n) < 0.05)
        delay_decided = self.point(dispatched, deadline, limit_working, 0.6)
        deadline = np.where(delayed, clock.add(deadline, rng.integers(1, 4, n) * clock.day_seconds), deadline)
        share = np.where(U(n) < 0.09, rng.uniform(1.05, 2.0, n), rng.uniform(0.15, 0.95, n))
        suspended = np.where(suspend, self.point(dispatched, deadline, limit_working, rng.uniform(0.2, 0.6, n)), NAN)
        fed_back = np.where(~suspend & ~stuck, self.point(dispatched, deadline, limit_working, share), NAN)
        fed_back = np.fmax(fed_back, np.fmax(contacted, signed) + 300)
        fed_back = np.where(np.isfinite(dispatched) & ~suspend & ~stuck, fed_back, NAN)
        rework = np.isfinite(fed_back) & (U(n) < 0.05)
        fed_back = np.where(rework, clock.add(fed_back, rng.uniform(3, 12, n) * HOUR), fed_back)
        handled = np.where(self_handled, reported, fed_back)
        checking = self.office(handled, 5, 60)
        checked = clock.add(checking, rng.uniform(0.3, 2.5, n) * HOUR)
        closed = self.office(checked, 3, 30)
        callback = np.where(citizen & (U(n) < 0.9), self.office(closed, 120, 2880), NAN)

        # Where each life stands now: the last stage reached, in order.
        stages = [
            (verifying, Status.VERIFYING), (verified, Status.REPORTED), (rejected, Status.REJECTED),
            (filed, Status.FILED), (voided, Status.VOIDED), (dispatched, Status.DISPATCHED),
            (signed, Status.IN_PROGRESS), (suspended, Status.SUSPENDED), (handled, Status.HANDLED),
            (checking, Status.CHECKING), (checked, Status.CHECKED), (closed, Status.CLOSED),
        ]  # fmt: skip
        status = np.full(n, S[Status.REPORTED])
        at = reported.copy()
        for moment, state in stages:
            reached = (moment <= now) & (moment >= at)
            status[reached], at[reached] = S[state], moment[reached]

        def happened(moment: np.ndarray) -> np.ndarray:
            return np.where(moment <= now, moment, NAN)

        is_ = {state: status == S[state] for state in STATES}
        dispatched_now = happened(dispatched)
        on_desk = np.isfinite(dispatched_now)
        deadline = np.where(on_desk, deadline, NAN)
        deadline_start = dispatched_now
        department = np.where(on_desk, ref.routing[category, ref.grid_street_index[grid]], -1)

        # The window of the step each case is in (cases.deadlines.set_step).
        step_start, step_yellow, step_deadline = np.full(n, NAN), np.full(n, NAN), np.full(n, NAN)
        steps = ref.steps
        waiting_to_file = is_[Status.REPORTED] & (at > reported)
        windows = [
            (is_[Status.REPORTED] & ~waiting_to_file, at, steps["accept"]),
            (waiting_to_file, at, steps["file"]),
            (is_[Status.VERIFYING], at, steps["verify"]),
            (is_[Status.FILED], at, steps["dispatch"]),
            (is_[Status.DISPATCHED], at, steps["sign"]),
            (is_[Status.HANDLED] | is_[Status.CHECKING], handled, steps["check"]),
            (is_[Status.CHECKED], at, steps["close"]),
        ]
        for mask, start, limit in windows:
            yellow, due = self.window(np.where(mask, start, NAN), limit)
            step_start[mask], step_yellow[mask], step_deadline[mask] = start[mask], yellow[mask], due[mask]
        handling = is_[Status.IN_PROGRESS] | is_[Status.SUSPENDED]
        yellow = np.where(
            limit_working,
            clock.add(deadline_start, clock.between(deadline_start, deadline) * float(YELLOW_SHARE)),
            deadline_start + (deadline - deadline_start) * float(YELLOW_SHARE),
        )
        step_start[handling], step_yellow[handling], step_deadline[handling] = (
            deadline_start[handling], yellow[handling], deadline[handling],
        )  # fmt: skip
        # As the supervision scan would have marked them (DOMAIN.md §5).
        judged = np.where(is_[Status.SUSPENDED], suspended, now)
        yellow_noticed = np.where(step_yellow <= judged, step_deadline, NAN)
        red_noticed = np.where(step_deadline < judged, step_deadline, NAN)
        running = is_[Status.DISPATCHED] | is_[Status.IN_PROGRESS]
        escalated = np.where(
            running & (clock.between(deadline, np.full(n, now)) >= 5 * clock.day_seconds), deadline, NAN
        )
        handled_now = happened(handled)
        late = np.isfinite(handled_now) & (handled_now > deadline)
        supervision = np.isfinite(red_noticed).astype(int) + np.isfinite(escalated) + (late & ~np.isfinite(red_noticed))
        closed_now = np.where(is_[Status.CLOSED], closed, NAN)
        called_back = is_[Status.CLOSED] & (callback <= now)
        district = ref.grid_district[grid]
        asked = np.isfinite(happened(verifying)) | is_[Status.CHECKING] | is_[Status.CHECKED] | is_[Status.CLOSED]
        updated = np.where(called_back, callback, at)
        for code, state in enumerate(STATES):
            self.counts[state] += int((status == code).sum())
        return self._rows(locals())  # every array above, by name

    def _rows(self, v: dict) -> tuple[list[tuple], list[tuple]]:
        """Python rows from the arrays: strings and ids per case, times in C."""
        rng, ref, n = self.rng, self.ref, len(v["ids"])
        ids = v["ids"].tolist()
        status = [STATES[s] for s in v["status"].tolist()]
        source = [SOURCES[s] for s in v["source"].tolist()]
        category = v["category"].tolist()
        grid = v["grid"].tolist()
        district = v["district"].tolist()
        department = [d if d >= 0 else None for d in v["department"].tolist()]
        inspector = [ref.inspector_of.get(d) for d in district]
        reporter = [inspector[k] if source[k] == "patrol" else ref.operator for k in range(n)]
        t = {name: _iso(v[name]) for name in ("reported", "at", "updated", "callback")}
        accept_due = _iso(self.window(v["reported"], ref.steps["accept"])[1])
        times = [t["reported"]] + [
            _iso(np.where(v[name] <= self.end_ts, v[name], NAN))
            for name in ("filed", "dispatched", "signed", "contacted", "handled_now", "closed_now")
        ]
        suspended = _iso(np.where(v["is_"][Status.SUSPENDED], v["suspended"], NAN))
        callback_at = _iso(np.where(v["called_back"], v["callback"], NAN))
        window = [
            _iso(v[name]) for name in ("deadline", "deadline_start", "step_start", "step_yellow", "step_deadline")
        ]
        noticed = [_iso(v[name]) for name in ("yellow_noticed", "red_noticed", "escalated")]
        verified_at = np.isfinite(v["verified"]) & (v["verified"] <= self.end_ts)
        verified = [
            bool(not r) if ok else None for ok, r in zip(verified_at.tolist(), v["reject"].tolist(), strict=True)
        ]
        step = [_STEP_OF.get(s, "") for s in status]
        for k in np.nonzero(v["waiting_to_file"])[0].tolist():
            step[k] = "file"
        texts = [CATEGORY_TEXTS.get(code, (0, ["问题待处置"], []))[1] for code in ref.category_codes]
        picks, roads, houses, spots = (
            rng.random(n).tolist(),
            rng.integers(0, 2, n).tolist(),
            rng.integers(1, 261, n).tolist(),
            rng.integers(0, len(SPOTS), n).tolist(),
        )
        lat = (ref.min_lat[v["grid"]] + 1e-5 + rng.random(n) * (ref.max_lat - ref.min_lat - 2e-5)[v["grid"]]).tolist()
        lng = (ref.min_lng[v["grid"]] + 1e-5 + rng.random(n) * (ref.max_lng - ref.min_lng - 2e-5)[v["grid"]]).tolist()
        citizen = v["citizen"].tolist()
        hotline_types = rng.choice(HOTLINE_TYPES, n, p=HOTLINE_TYPE_WEIGHTS).tolist()
        satisfaction = rng.choice(["satisfied", "basically", "dissatisfied"], n, p=[0.78, 0.14, 0.08]).tolist()
        resolved_roll = rng.random(n).tolist()
        called_back = v["called_back"].tolist()
        rework, delayed, returned = v["rework"], v["delayed"], v["returned"]
        rework = (rework & np.isfinite(v["handled_now"])).tolist()
        delayed = (delayed & (v["delay_decided"] <= self.end_ts)).tolist()
        returned = (returned & v["on_desk"]).tolist()
        supervision = v["supervision"].tolist()
        signed_now = np.isfinite(v["signed"]) & (v["signed"] <= self.end_ts)
        contacted_now = np.isfinite(v["contacted"]) & (v["contacted"] <= self.end_ts)
        signed_in_time = np.where(signed_now, v["sign_in_time"], None).tolist()
        responded_in_time = np.where(contacted_now, v["respond_in_time"], None).tolist()
        self_handled = v["self_handled"].tolist()
        voided_early = (v["void_early"] & (v["status"] == S[Status.VOIDED])).tolist()
        urgent = v["urgent"].tolist()
        cases, events = [], []
        for k in range(n):
            c = category[k]
            g = grid[k]
            spot = f"{ROADS[(ref.grid_id[g] + roads[k]) % len(ROADS)]} {houses[k]} 号{SPOTS[spots[k]]}"
            problems = texts[c]
            problem = problems[int(picks[k] * len(problems))]
            src = source[k]
            hotline = src == "hotline"
            duplicate_of = None
            if voided_early[k] and src != "patrol":
                duplicate_of = self.alive_of_category.get(c)
            elif status[k] not in (Status.VOIDED, Status.REJECTED):
                self.alive_of_category[c] = ids[k]
            satisfied = satisfaction[k] if called_back[k] else ""
            resolved = (satisfied != "dissatisfied" or resolved_roll[k] < 0.3) if called_back[k] else None
            cases.append((
                ids[k], v["numbers"][k], status[k], src, int(ref.category_ids[c]), "urgent" if urgent[k] else "normal",
                f"{PREFIX[src]}{spot}{problem}。", f"{ref.grid_place[g]}{spot}", lat[k], lng[k],
                int(ref.grid_id[g]), int(ref.grid_community[g]), int(ref.grid_street[g]), district[k], department[k],
                reporter[k], inspector[k] if v["asked"][k] else None, self_handled[k], verified[k],
                *(column[k] for column in times), suspended[k], callback_at[k], window[0][k], window[1][k], step[k],
                window[2][k], window[3][k], window[4][k], noticed[0][k], noticed[1][k], noticed[2][k],
                int(rework[k]), int(delayed[k]), int(returned[k]), supervision[k], duplicate_of,
                f"GD{ids[k] % 10**10:010d}" if hotline else "", hotline_types[k] if hotline else "",
                _caller(ids[k]) if citizen[k] else "", _phone(ids[k]) if citizen[k] else "",
                satisfied, resolved, t["reported"][k], t["updated"][k], signed_in_time[k], responded_in_time[k],
            ))  # fmt: skip
            events.append((ids[k], "report", reporter[k], "", Status.REPORTED, "", f'{{"source": "{src}"}}',
                           accept_due[k], t["reported"][k]))  # fmt: skip
            last = _last_event(status[k], self_handled[k], duplicate_of, step[k], times[1][k])
            if last:
                action, who, before = last
                actor = {"operator": ref.operator, "shiftleader": ref.shift_leader, "dispatcher": ref.dispatcher,
                         "handler": ref.handler_of.get(department[k]), "inspector": inspector[k]}[who]  # fmt: skip
                events.append((ids[k], action, actor, before, status[k], "", "{}", window[4][k], t["at"][k]))
            if called_back[k]:
                data = json.dumps({"satisfaction": satisfied, "resolved": resolved})
                events.append(
                    (ids[k], "callback", ref.operator, status[k], status[k], "", data, None, t["callback"][k])
                )
        return cases, events


_STEP_OF = {
    Status.REPORTED: "accept", Status.VERIFYING: "verify", Status.FILED: "dispatch", Status.DISPATCHED: "sign",
    Status.IN_PROGRESS: "handle", Status.SUSPENDED: "handle", Status.HANDLED: "check", Status.CHECKING: "check",
    Status.CHECKED: "close",
}  # fmt: skip


def _last_event(status: str, self_handled: bool, duplicate_of, step: str, filed_at) -> tuple | None:
    if status == Status.REPORTED:
        return ("verify-reply", "inspector", Status.VERIFYING) if step == "file" else None
    if self_handled and status == Status.HANDLED:
        return "self-handle", "inspector", Status.REPORTED
    if status == Status.VOIDED and duplicate_of:
        return "link-duplicate", "operator", Status.REPORTED
    if status == Status.VOIDED and filed_at:
        return "void", "shiftleader", Status.FILED
    return LAST_EVENT.get(status)


def _caller(case_id: int) -> str:
    surname = SURNAMES[(case_id * 7919) % len(SURNAMES)]
    return surname + (["先生", "女士"][case_id % 2] if case_id % 5 < 3 else GIVEN[(case_id * 31) % len(GIVEN)])


def _phone(case_id: int) -> str:
    return PHONE_PREFIXES[case_id % len(PHONE_PREFIXES)] + f"{(case_id * 2654435761) % 10**8:08d}"


# --- writing -------------------------------------------------------------------------------------


def _reserve_numbers(day: date, count: int) -> int:
    """Take ``count`` numbers of a day at once (the intake's upsert, + count); the first sequence value."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbersequence (day, last) VALUES (%s, %s) "
            "ON CONFLICT (day) DO UPDATE SET last = cases_casenumbersequence.last + EXCLUDED.last RETURNING last",
            [day, count],
        )
        last = cursor.fetchone()[0]
    if last > MAX_PER_DAY:
        raise ValueError(f"more than {MAX_PER_DAY} cases on {day}: the daily sequence has five digits")
    return last - count + 1


def _take_ids(count: int, sqlite_next: list[int]) -> np.ndarray:
    """Case ids taken in advance: events and duplicates refer to them."""
    if connection.vendor != "postgresql":
        first = sqlite_next[0]
        sqlite_next[0] += count
        return np.arange(first, first + count, dtype=np.int64)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('cases_case', 'id')) FROM generate_series(1, %s)", [count]
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def _copy(cases: list[tuple], events: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:  # psycopg 3
            with cursor.copy(f"COPY cases_case ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for row in cases:
                    copy.write_row(row)
            with cursor.copy(f"COPY cases_caseevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check foreign keys now, not all at commit
        return
    # SQLite (small numbers, tests): the same rows through the ORM.
    times = {f.attname for f in Case._meta.concrete_fields if f.get_internal_type() == "DateTimeField"}

    def value(name, v):
        return datetime.fromisoformat(v) if name in times and v is not None else v

    Case.objects.bulk_create(
        [Case(**{name: value(name, v) for name, v in zip(CASE_COLUMNS, row, strict=True)}) for row in cases],
        batch_size=500,
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                **dict(zip(EVENT_COLUMNS[:6], row[:6], strict=True)),
                data=json.loads(row[6]),
                step_deadline=row[7] and datetime.fromisoformat(row[7]),
                created_at=datetime.fromisoformat(row[8]),
            )
            for row in events
        ],
        batch_size=1000,
    )


class _BulkLoad:
    """PostgreSQL, large loads: foreign-key triggers off for a superuser (the rows
    refer to rows that exist by construction) and secondary indexes rebuilt once
    at the end instead of updated per row; all inside the load's transaction."""

    TABLES = ("cases_case", "cases_caseevent")

    def __init__(self, enabled: bool, progress: bool):
        self.enabled = enabled and connection.vendor == "postgresql"
        self.progress = progress
        self.indexes: list[tuple[str, str]] = []

    def start(self) -> None:
        if not self.enabled:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                [list(self.TABLES)],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def finish(self) -> None:
        if not self.indexes:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in tqdm(self.indexes, desc="indexes", unit="index", disable=not self.progress):
                cursor.execute(definition)


def generate_cases(
    count: int,
    *,
    months: int = 12,
    seed: int = 1,
    batch: int = 20_000,
    progress: bool = True,
    end: datetime | None = None,
) -> dict:
    """Write ``count`` cases reported over ``months`` months up to ``end`` (default now).

    Returns the count per status and the seconds taken; run ``analyze()`` after it.
    """
    if count <= 0:
        return {"cases": 0}
    started = time.monotonic()
    end = (end or timezone.now()).replace(microsecond=0)
    generator = _Generator(seed=seed, start=end - timedelta(days=round(months * 30.44)), end=end)
    days = generator.day_counts(count)
    # Numbers first, each day's block in its own statement: intake on those days is never kept waiting.
    first_number = {day: _reserve_numbers(day, n) for day, n in days}
    sqlite_next = [(Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1]
    bulk = _BulkLoad(count >= BULK_LOAD, progress)
    bar = tqdm(total=count, unit="case", disable=not progress, smoothing=0.05)
    try:
        with transaction.atomic():
            bulk.start()
            chunk: list[tuple[date, int]] = []
            for position, (day, n) in enumerate(days):
                chunk.append((day, n))
                if sum(k for _d, k in chunk) < batch and position < len(days) - 1:
                    continue
                reported, source = generator.reports(chunk)
                numbers = [f"{d:%Y%m%d}{first_number[d] + i:05d}" for d, k in chunk for i in range(k)]
                ids = _take_ids(len(numbers), sqlite_next)
                cases, events = generator.batch(ids, numbers, reported, source)
                _copy(cases, events)
                bar.update(len(cases))
                chunk = []
            bar.close()
            bulk.finish()
    finally:
        bar.close()
    counts = {str(state): generator.counts[state] for state in STATES}
    return {"cases": count, **counts, "seconds": round(time.monotonic() - started, 1)}


def analyze() -> None:
    """Fresh planner statistics after a bulk load, and on PostgreSQL a VACUUM, which
    sets the visibility map so that index-only scans (counts) need not visit the table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) cases_case, cases_caseevent, cases_casenumbersequence")
        else:
            cursor.execute("ANALYZE")
