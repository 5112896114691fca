"""POST /api/v1/cases/{number}/{action}/: every action of DOMAIN.md §4 through the API,
and the refusals: 409 wrong state, 403 role or scope, 400 input, 404 not visible."""

from decimal import Decimal

import pytest
from django.urls import resolve

from cases.api import ACTIONS
from cases.models import Case, CaseRequest, Notification
from cases.rules import RULES
from tests.cases.conftest import at, photo
from tests.cases.test_api_support import advance, api, report, snapshot
from tests.factories import make_person


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def act(user, case, action, data=None, *, multipart=False, language=None):
    client = api(user, language)
    return client.post(
        f"/api/v1/cases/{case.number}/{action}/", data or {}, format="multipart" if multipart else "json"
    )


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_every_action_of_the_state_table_has_an_endpoint():
    assert set(ACTIONS) == set(RULES)
    for name in RULES:
        assert resolve(f"/api/v1/cases/2026111800001/{name}/").url_name == f"case-{name}"


def test_a_hotline_case_goes_from_filing_to_reopening_through_the_api(world, frozen):
    p = world
    case = report(world, frozen)
    with frozen(at("2026-11-18 09:05")):
        response = act(p.shift_leader, case, "file", {"urgency": "urgent", "comment": "属实"})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "filed"
        assert fresh(case).urgency == "urgent"
        response = act(p.dispatcher, case, "dispatch", {"department": "sz", "comment": "请尽快处理"})
        assert response.json()["department"] == "sz"
        assert fresh(case).department == p.dept_a
        # urgent: 1 natural hour (data/categories.csv), shown in Beijing time
        assert response.json()["deadline"] == "2026-11-18T10:05:00+08:00"
        assert fresh(case).deadline == at("2026-11-18 10:05")
    with frozen(at("2026-11-18 09:30")):
        assert act(p.handler_a, case, "sign").json()["status"] == "in_progress"
        response = act(p.handler_a, case, "contact-caller", {"note": "已电话联系"})
        assert response.status_code == 200
        assert fresh(case).first_contact_at == at("2026-11-18 09:30")
        response = act(p.handler_a, case, "feedback", {"result": "已更换井盖", "photos": [photo()]}, multipart=True)
        assert response.status_code == 200, response.content
        assert fresh(case).handled_at == at("2026-11-18 09:30")
        assert fresh(case).attachments.get().stage == "after"
        assert act(p.operator, case, "check-request", {"inspector": "inspector"}).json()["status"] == "checking"
        response = act(p.inspector, case, "check-pass", {"photos": [photo()]}, multipart=True)
        assert response.json()["status"] == "checked"
        assert act(p.shift_leader, case, "close").json()["status"] == "closed"
        response = act(p.operator, case, "callback", {"satisfaction": "dissatisfied", "resolved": False})
        assert response.status_code == 200
        assert (fresh(case).satisfaction, fresh(case).resolved) == ("dissatisfied", False)
    with frozen(at("2026-11-19 09:00")):
        response = act(p.dispatcher, case, "reopen", {"reason": "市民不满意，井盖仍松动"})
    assert response.status_code == 200, response.content
    case = fresh(case)
    assert case.status == "in_progress"
    assert list(case.events.values_list("action", flat=True)) == [
        "report", "file", "dispatch", "sign", "contact-caller", "feedback", "check-request", "check-pass",
        "close", "callback", "reopen",
    ]  # fmt: skip
    timeline = response.json()["events"]
    assert timeline[-1]["action"] == "reopen"
    assert timeline[-1]["actor"] == "dispatcher"
    assert timeline[-1]["comment"] == "市民不满意，井盖仍松动"
    assert timeline[5]["photos"][0]["stage"] == "after"


def test_verification_is_requested_and_answered_with_a_photo(world, frozen):
    case = report(world, frozen)
    with frozen(at("2026-11-18 09:02")):
        response = act(world.operator, case, "verify-request", {"inspector": "inspector"})
        assert response.status_code == 200
        assert fresh(case).inspector == world.inspector
        reply = {"valid": "true", "comment": "现场属实", "photos": [photo()]}
        response = act(world.inspector, case, "verify-reply", reply, multipart=True)
    assert response.status_code == 200, response.content
    case = fresh(case)
    assert (case.status, case.verified) == ("reported", True)
    assert case.attachments.get().stage == "verify"


def test_a_verification_reply_without_an_answer_is_not_taken_as_no(world, frozen):
    case = report(world, frozen)
    with frozen(at("2026-11-18 09:02")):
        act(world.operator, case, "verify-request")
        before = snapshot(case)
        response = act(world.inspector, case, "verify-reply", {"comment": "现场看过"}, multipart=True)
    assert response.status_code == 400
    assert "valid" in response.json()["errors"]
    assert snapshot(case) == before
    assert fresh(case).verified is None


def test_reject_void_and_link_duplicate(world, frozen):
    first, second, third = (report(world, frozen, when=f"2026-11-18 09:0{i}") for i in range(3))
    with frozen(at("2026-11-18 09:05")):
        assert act(world.operator, first, "reject", {"reason": "不属于城管范围"}).status_code == 200
        assert act(world.shift_leader, second, "void", {"reason": "重复登记"}).status_code == 200
        response = act(world.operator, third, "link-duplicate", {"original": second.number})
    assert (fresh(first).status, fresh(second).status) == ("rejected", "voided")
    assert response.status_code == 400  # the original is voided
    assert "original" in response.json()["errors"]
    original = report(world, frozen, when="2026-11-18 09:06")
    with frozen(at("2026-11-18 09:07")):
        response = act(world.operator, third, "link-duplicate", {"original": original.number})
    assert response.status_code == 200
    assert response.json()["duplicate_of"] == original.number
    assert fresh(third).status == "voided"
    assert original.events.filter(action="duplicate-linked").exists()


def test_a_delay_is_requested_shown_as_pending_and_approved(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    deadline = case.deadline
    with frozen(at("2026-11-18 10:00")):
        delay = {"reason": "需要采购配件", "extra_value": "1", "extra_unit": "working_days"}
        response = act(world.handler_a, case, "request-delay", delay)
        assert response.status_code == 200, response.content
        pending = response.json()["pending_request"]
        assert (pending["kind"], pending["requested_by"], Decimal(pending["extra_value"])) == (
            "delay",
            "handler-sz",
            Decimal(1),
        )
        assert "decide-request" not in response.json()["allowed_actions"]  # the handler's view
        response = act(world.dispatcher, case, "decide-request", {"approve": True, "comment": "同意"})
    assert response.status_code == 200
    assert response.json()["pending_request"] is None
    case = fresh(case)
    assert case.delay_count == 1
    assert case.deadline > deadline
    assert case.requests.get().state == CaseRequest.State.APPROVED


def test_an_approved_return_sends_the_case_back_for_dispatch(world, frozen):
    case = advance(world, frozen, report(world, frozen), "dispatched")
    with frozen(at("2026-11-18 10:00")):
        assert act(world.handler_a, case, "request-return", {"reason": "不属于本部门"}).status_code == 200
        response = act(world.dispatcher, case, "decide-request", {"approve": "true"}, multipart=True)
    assert response.status_code == 200
    case = fresh(case)
    assert (case.status, case.return_count, case.department) == ("filed", 1, None)


def test_a_suspended_case_is_resumed(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    with frozen(at("2026-11-18 10:00")):
        act(world.handler_a, case, "request-suspend", {"reason": "需等待道路施工结束"})
        act(world.dispatcher, case, "decide-request", {"approve": True})
    assert fresh(case).status == "suspended"
    with frozen(at("2026-11-19 10:00")):
        response = act(world.dispatcher, case, "resume", {"comment": "施工结束"})
    assert response.status_code == 200
    assert fresh(case).status == "in_progress"


def test_a_failed_check_sends_the_case_back_for_rework(world, frozen):
    case = advance(world, frozen, report(world, frozen), "checking")
    with frozen(at("2026-11-18 11:00")):
        response = act(
            world.inspector, case, "check-fail", {"reason": "井盖仍松动", "photos": [photo()]}, multipart=True
        )
    assert response.status_code == 200, response.content
    case = fresh(case)
    assert (case.status, case.rework_count) == ("in_progress", 1)
    assert case.attachments.filter(stage="check").count() == 1


def test_a_district_leader_supervises_a_case_in_their_district(world, frozen):
    case = advance(world, frozen, report(world, frozen), "dispatched")
    with frozen(at("2026-11-18 10:00")):
        response = act(world.leader, case, "supervise", {"note": "请今天处理完"})
    assert response.status_code == 200
    assert fresh(case).supervision_level == 1
    assert Notification.objects.filter(case=case, department=world.dept_a, kind="supervision").exists()


# --- 400: bad input, nothing written ------------------------------------------------------


def test_feedback_without_an_after_photo_is_a_400_on_photos_and_changes_nothing(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    before = snapshot(case)
    with frozen(at("2026-11-18 10:00")):
        response = act(world.handler_a, case, "feedback", {"result": "已更换"}, multipart=True)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["photos"]
    assert snapshot(case) == before


def test_feedback_without_a_result_names_the_result_field(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    before = snapshot(case)
    with frozen(at("2026-11-18 10:00")):
        response = act(world.handler_a, case, "feedback", {"result": " ", "photos": [photo()]}, multipart=True)
    assert response.status_code == 400
    assert response.json()["errors"] == {"result": ["请填写处置结果。"]}
    assert snapshot(case) == before


def test_dispatch_to_an_unknown_department_is_a_400_and_changes_nothing(world, frozen):
    case = advance(world, frozen, report(world, frozen), "filed")
    before = snapshot(case)
    response = act(world.dispatcher, case, "dispatch", {"department": "no-such-dept"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["department"]
    assert snapshot(case) == before


def test_a_refusal_without_a_reason_names_the_reason_field(world, frozen):
    case = report(world, frozen)
    before = snapshot(case)
    response = act(world.operator, case, "reject", {"reason": ""})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert snapshot(case) == before


def test_a_delay_of_nothing_is_a_400_on_extra_value(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    before = snapshot(case)
    response = act(world.handler_a, case, "request-delay", {"reason": "配件", "extra_value": "0"})
    assert response.status_code == 400
    assert "extra_value" in response.json()["errors"]
    assert snapshot(case) == before


def test_an_unknown_inspector_is_a_400_on_inspector(world, frozen):
    case = report(world, frozen)
    before = snapshot(case)
    response = act(world.operator, case, "verify-request", {"inspector": "nobody"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["inspector"]
    assert snapshot(case) == before


# --- 409, 403, 404 ----------------------------------------------------------------------


def test_it_refuses_dispatch_of_a_closed_case_with_409_and_changes_nothing(world, frozen):
    case = advance(world, frozen, report(world, frozen), "closed")
    before = snapshot(case)
    response = act(world.dispatcher, case, "dispatch", {"department": "hw"})
    assert response.status_code == 409
    assert "已结案" in response.json()["detail"]
    assert snapshot(case) == before


def test_it_refuses_dispatch_by_an_operator_with_403_and_changes_nothing(world, frozen):
    case = advance(world, frozen, report(world, frozen), "filed")
    before = snapshot(case)
    response = act(world.operator, case, "dispatch", {"department": "sz"})
    assert response.status_code == 403
    assert "派遣" in response.json()["detail"]
    assert snapshot(case) == before


def test_a_handler_of_another_department_who_can_see_the_case_gets_403(world, frozen):
    # Someone who is both a handler of 环卫 and a city leader sees every case,
    # but may only sign those of their own department.
    chief = make_person("chief-hw", ["handler", "leader"], department=world.dept_b)
    case = advance(world, frozen, report(world, frozen), "dispatched")
    before = snapshot(case)
    response = act(chief, case, "sign")
    assert response.status_code == 403
    assert "不在你的部门" in response.json()["detail"]
    assert snapshot(case) == before


def test_a_handler_of_another_department_does_not_even_see_the_case(world, frozen):
    case = advance(world, frozen, report(world, frozen), "dispatched")
    before = snapshot(case)
    assert act(world.handler_b, case, "sign").status_code == 404
    assert snapshot(case) == before


def test_a_case_the_user_cannot_see_is_404_before_any_rule(world, frozen):
    case = report(world, frozen)
    before = snapshot(case)
    response = act(world.outsider, case, "reject", {"reason": ""})  # bad input too: visibility comes first
    assert response.status_code == 404
    assert snapshot(case) == before


def test_an_unknown_action_is_404(world, frozen):
    case = report(world, frozen)
    before = snapshot(case)
    response = act(world.operator, case, "teleport")
    assert response.status_code == 404
    assert "teleport" in response.json()["detail"]
    assert snapshot(case) == before


def test_an_action_must_be_posted(world, frozen):
    case = report(world, frozen)
    assert api(world.shift_leader).get(f"/api/v1/cases/{case.number}/file/").status_code == 405
    assert fresh(case).status == "reported"


def test_a_role_refusal_is_403_even_when_the_body_is_also_wrong(world, frozen):
    case = advance(world, frozen, report(world, frozen), "filed")
    before = snapshot(case)
    response = act(world.operator, case, "dispatch", {"department": "no-such-dept"})
    assert response.status_code == 403
    assert snapshot(case) == before


def test_a_state_refusal_is_409_even_when_the_body_is_also_wrong(world, frozen):
    case = advance(world, frozen, report(world, frozen), "closed")
    before = snapshot(case)
    response = act(world.shift_leader, case, "file", {"category": "99999"})
    assert response.status_code == 409
    assert snapshot(case) == before


def test_a_missing_reason_is_reported_by_the_service_under_the_apis_field_name(world, frozen):
    case = report(world, frozen)
    response = act(world.operator, case, "reject", {})
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["请填写不予受理的理由。"]}


def test_an_empty_body_from_the_wrong_role_is_403_not_400(world, frozen):
    case = advance(world, frozen, report(world, frozen), "in_progress")
    before = snapshot(case)
    assert act(world.operator, case, "request-delay", {}).status_code == 403
    assert snapshot(case) == before


def test_a_callback_with_an_unknown_satisfaction_and_no_answer_names_both_fields(world, frozen):
    case = advance(world, frozen, report(world, frozen), "closed")
    before = snapshot(case)
    response = act(world.operator, case, "callback", {"satisfaction": "meh", "resolved": "perhaps"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"satisfaction", "resolved"}
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).satisfaction == ""
