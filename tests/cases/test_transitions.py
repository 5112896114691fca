"""The state machine of DOMAIN.md §4 as a table: every (state, action, role).

For each status a case is driven there once through the real services (module
fixture, rolled back at the end). A test per (status, action, set-up variant)
then has each role holder take the action on that case, one subtest each, in
its own savepoint, and checks:

- allowed iff the role is in the rule's roles, the status in its sources, the
  scope allows (handler_b never; handler_a only once the case is dispatched to
  "sz"; the leader only in district 339901) and the action's own precondition
  holds (a hotline case for contact-caller, a closed citizen case not yet called
  back for callback, a dissatisfied callback for reopen, a pending request for
  decide-request);
- allowed: the status becomes rule.to (or stays) and exactly one event with that
  action, from/to status and actor is written;
- refused: CaseError 'permission' (403) or 'state' (409) and nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings

from cases import services
from cases.errors import CaseError
from cases.models import Attachment, Case, CaseEvent, CaseRequest, Notification, Status
from cases.rules import DEPARTMENT_ACTIONS, INSPECTOR_ACTIONS, RULES
from org.roles import Role
from tests.cases.conftest import at, case_in, photo

ACT_AT = "2026-11-18 10:00"  # an hour after case_in built the cases

# Role holders of the `people` fixture and the role each holds.
HOLDERS = {
    "operator": Role.OPERATOR,
    "shift_leader": Role.SHIFT_LEADER,
    "dispatcher": Role.DISPATCHER,
    "handler_a": Role.HANDLER,
    "handler_b": Role.HANDLER,
    "inspector": Role.INSPECTOR,
    "leader": Role.LEADER,
    "outsider": None,
}

# Valid input for every action.
CALLS = {
    "verify-request": lambda c, by, w: services.case_verify_request(case=c, by=by),
    "verify-reply": lambda c, by, w: services.case_verify_reply(
        case=c, by=by, valid=True, comment="现场属实", photos=[photo()]
    ),
    "file": lambda c, by, w: services.case_file(case=c, by=by),
    "reject": lambda c, by, w: services.case_reject(case=c, by=by, reason="不属于城市管理范围"),
    "void": lambda c, by, w: services.case_void(case=c, by=by, reason="误报"),
    "dispatch": lambda c, by, w: services.case_dispatch(case=c, by=by, department="sz"),
    "sign": lambda c, by, w: services.case_sign(case=c, by=by),
    "request-return": lambda c, by, w: services.case_request_return(case=c, by=by, reason="不属本部门职责"),
    "request-delay": lambda c, by, w: services.case_request_delay(case=c, by=by, reason="需采购配件", extra_value=1),
    "request-suspend": lambda c, by, w: services.case_request_suspend(case=c, by=by, reason="雨季施工"),
    "decide-request": lambda c, by, w: services.case_decide_request(case=c, by=by, approve=True, comment="同意"),
    "resume": lambda c, by, w: services.case_resume(case=c, by=by),
    "contact-caller": lambda c, by, w: services.case_contact_caller(case=c, by=by, note="已电话联系"),
    "feedback": lambda c, by, w: services.case_feedback(case=c, by=by, result="已修复", photos=[photo()]),
    "check-request": lambda c, by, w: services.case_check_request(case=c, by=by),
    "check-pass": lambda c, by, w: services.case_check_pass(case=c, by=by, photos=[photo()]),
    "check-fail": lambda c, by, w: services.case_check_fail(case=c, by=by, reason="仍未修复", photos=[photo()]),
    "close": lambda c, by, w: services.case_close(case=c, by=by),
    "callback": lambda c, by, w: services.case_callback(case=c, by=by, satisfaction="satisfied", resolved=True),
    "reopen": lambda c, by, w: services.case_reopen(case=c, by=by, reason="诉求人不满意"),
    "link-duplicate": lambda c, by, w: services.case_link_duplicate(case=c, by=by, original=w.original),
    "supervise": lambda c, by, w: services.case_supervise(case=c, by=by, note="请尽快处理"),
}

# Besides the default set-up (a hotline case in district 339901 meeting every
# precondition it can), these variants break a precondition or the scope.
VARIANTS: dict[str, dict[str, set[str]]] = {
    "decide-request": {"no-pending-request": {Status.DISPATCHED, Status.IN_PROGRESS}},
    "reopen": {"no-callback": {Status.CLOSED}, "satisfied-callback": {Status.CLOSED}},
    "callback": {"already-called-back": {Status.CLOSED}, "patrol-case": {Status.CLOSED}},
    "contact-caller": {"patrol-case": {Status.IN_PROGRESS}},
    "supervise": {"other-district": set(Status)},
}
BASES = {"patrol-case": "patrol", "other-district": "district2"}  # which built case a variant starts from


@dataclass(frozen=True)
class Combo:
    status: str
    action: str
    variant: str = ""

    @property
    def id(self) -> str:
        return "-".join(filter(None, [self.status, self.action, self.variant]))


def all_combos() -> list[Combo]:
    """Every (status, action) with its default set-up, plus the variants that apply."""
    combos = []
    for status in Status:
        for action in RULES:
            variants = [""] + [v for v, statuses in VARIANTS.get(action, {}).items() if status in statuses]
            combos.extend(Combo(status.value, action, variant) for variant in variants)
    return combos


COMBOS = all_combos()


def test_the_table_covers_every_action_and_state():
    assert set(CALLS) == set(RULES)
    assert {(c.status, c.action) for c in COMBOS} == {(s, a) for s in Status for a in RULES}


# --- the world, built once for the module ------------------------------------------


def make_world():
    """The `world` fixture of conftest.py (city, people, catalogue, street offices)
    as plain calls, so that a module-scoped fixture can build it."""
    from cases.catalogue import load_categories
    from org.models import Department
    from org.services import sync_work_calendar
    from tests.factories import DepartmentFactory, make_city, make_person

    city = SimpleNamespace(**make_city())
    dept_a = DepartmentFactory(code="sz", name="市政", kind=Department.Kind.MUNICIPAL)
    dept_b = DepartmentFactory(code="hw", name="环卫", kind=Department.Kind.SANITATION)
    inspector = make_person("inspector", ["inspector"])
    for grid in city.grids[:4]:
        grid.inspectors.add(inspector)
    load_categories()
    sync_work_calendar(years=[2025, 2026])
    world = SimpleNamespace(
        operator=make_person("operator", ["operator"]),
        shift_leader=make_person("shiftleader", ["shift_leader"]),
        dispatcher=make_person("dispatcher", ["dispatcher"]),
        handler_a=make_person("handler-sz", ["handler"], department=dept_a),
        handler_b=make_person("handler-hw", ["handler"], department=dept_b),
        inspector=inspector,
        leader=make_person("leader-339901", ["leader"], region=city.districts[0]),
        outsider=make_person("outsider", []),
        dept_a=dept_a,
        dept_b=dept_b,
        city=city,
    )
    world.offices = [
        Department.objects.create(code=f"jd-{s.code}", name=f"{s.name}办事处", kind="街道", street=s)
        for s in city.streets
    ]
    return world


@pytest.fixture(scope="module")
def table(django_db_setup, django_db_blocker, tmp_path_factory):
    """One case per (set-up, status), inside a transaction rolled back after the
    module; each test runs in a savepoint within it (pytest-django's db)."""
    settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
    )
    with django_db_blocker.unblock(), settings, transaction.atomic():
        world = make_world()
        world.cases = {}
        for status in Status:
            world.cases["hotline", status] = case_in(status, world).pk
            world.cases["district2", status] = case_in(status, world, grid=5).pk
        for status in (Status.IN_PROGRESS, Status.CLOSED):
            world.cases["patrol", status] = case_in(status, world, source="patrol").pk
        world.original = case_in(Status.FILED, world, grid=0)
        yield world
        transaction.set_rollback(True)


# --- what the table expects ---------------------------------------------------------


def prepare(combo: Combo, case: Case, w) -> bool:
    """Set up the action's precondition (or break it, per variant); True if it holds."""
    action, variant, status = combo.action, combo.variant, combo.status
    if action == "decide-request":
        if variant or status not in (Status.DISPATCHED, Status.IN_PROGRESS):
            return False
        if status == Status.DISPATCHED:
            services.case_request_return(case=case, by=w.handler_a, reason="不属本部门职责")
        else:
            services.case_request_delay(case=case, by=w.handler_a, reason="需采购配件", extra_value=1)
        return True
    if action == "reopen":
        if status != Status.CLOSED or variant == "no-callback":
            return False
        satisfaction = "satisfied" if variant == "satisfied-callback" else "dissatisfied"
        services.case_callback(case=case, by=w.operator, satisfaction=satisfaction, resolved=False)
        return satisfaction == "dissatisfied"
    if action == "callback":
        if variant == "already-called-back":
            services.case_callback(case=case, by=w.operator, satisfaction="basically", resolved=True)
        return case.is_citizen_case and not variant
    if action == "contact-caller":
        return case.source == "hotline"
    return True


def in_scope(action: str, holder: str, case: Case, w) -> bool:
    person = getattr(w, holder)
    if action in DEPARTMENT_ACTIONS:
        return holder == "handler_a" and case.department_id == w.dept_a.id
    if action in INSPECTOR_ACTIONS:
        return case.inspector_id == person.id or (
            case.inspector_id is None and case.grid.inspectors.filter(pk=person.pk).exists()
        )
    if action == "supervise" and holder == "leader":
        return case.district_id == w.city.districts[0].id
    return True


def expected_status(combo: Combo, case: Case) -> str:
    if combo.action == "decide-request" and case.status == Status.DISPATCHED:
        return Status.FILED  # the pending request is a return, approved
    return RULES[combo.action].to or case.status


def snapshot(case: Case) -> dict:
    fresh = Case.objects.get(pk=case.pk)
    return {
        "fields": {f.attname: getattr(fresh, f.attname) for f in Case._meta.concrete_fields},
        "events": CaseEvent.objects.count(),
        "last_event": CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "requests": list(CaseRequest.objects.values_list("id", "state").order_by("id")),
        "attachments": Attachment.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.mark.parametrize("combo", COMBOS, ids=[c.id for c in COMBOS])
def test_transition(table, db, frozen, subtests, combo):
    """One subtest per role holder, each in its own savepoint on the same built case."""
    case_id = table.cases[BASES.get(combo.variant, "hotline"), combo.status]
    for holder in HOLDERS:
        with subtests.test(holder=holder):
            savepoint = transaction.savepoint()
            try:
                check_one(table, Case.objects.select_related("grid").get(pk=case_id), combo, holder, frozen)
            finally:
                transaction.savepoint_rollback(savepoint)


def check_one(w, case: Case, combo: Combo, holder: str, frozen) -> None:
    assert case.status == combo.status
    with frozen(at(ACT_AT)):
        holds = prepare(combo, case, w)
        case.refresh_from_db()
        rule, person = RULES[combo.action], getattr(w, holder)
        if HOLDERS[holder] not in rule.roles or not in_scope(combo.action, holder, case, w):
            refusal = "permission"
        elif case.status not in rule.sources or not holds:
            refusal = "state"
        else:
            refusal = None
        before = snapshot(case)
        if refusal:
            with pytest.raises(CaseError) as refused:
                CALLS[combo.action](case, person, w)
            assert (refused.value.kind, refused.value.http_status) == (refusal, CaseError.STATUS[refusal])
            assert snapshot(case) == before
            return
        to = expected_status(combo, case)
        CALLS[combo.action](case, person, w)

    case.refresh_from_db()
    assert case.status == to
    new_events = list(case.events.filter(id__gt=before["last_event"]))
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in new_events] == [
        (combo.action, combo.status, to, person.id)
    ]
