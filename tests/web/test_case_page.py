"""The case page of the workspace: what it shows, to whom, and taking actions from it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock, services
from cases.models import Case, CaseEvent, Status
from cases.selectors import available_actions
from tests.cases.conftest import at, case_in, photo

pytestmark = pytest.mark.django_db

LATER = "2026-11-18 10:00"


def page_of(client, user, case):
    client.force_login(user)
    return client.get(reverse("work:case", kwargs={"number": case.number}))


def post_action(client, user, case, action, data=None):
    client.force_login(user)
    return client.post(reverse("work:case_action", kwargs={"number": case.number, "action": action}), data or {})


def rendered_actions(html: str) -> set[str]:
    return set(re.findall(r'class="action-form" id="[^"]+" data-action="([^"]+)"', html))


def test_the_page_of_a_reported_case_shows_its_header_place_and_first_event(client, world, media_root):
    case = case_in(Status.REPORTED, world, source="patrol")
    response = page_of(client, world.dispatcher, case)
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html
    assert 'data-status="reported"' in html and "上报待受理" in html
    assert "井盖破损" in html
    assert "第1社区" in html and "第1街道" in html and "第1区" in html
    assert "case-map-data" in html
    assert [e.event.action for e in response.context["events"]] == ["report"]
    # The inspector's report photo, in its stage and in the timeline.
    assert [label for label, photos in response.context["photo_groups"]] == ["上报"]
    assert html.count('class="case-photo') == 2


def test_the_page_of_a_closed_case_shows_the_whole_timeline_and_photos_by_stage(client, world, media_root):
    case = case_in(Status.CLOSED, world)
    response = page_of(client, world.operator, case)
    html = response.content.decode()
    assert 'data-status="closed"' in html and "已结案" in html
    labels = [e.label for e in response.context["events"]]
    assert labels == ["上报", "立案", "派遣", "签收", "处置反馈", "发起核查", "核查通过", "结案"]
    assert "已立案 → 已派遣" in html
    assert "shiftleader" in html  # the actor of 立案 and 结案
    assert [label for label, _ in response.context["photo_groups"]] == ["处置后", "核查"]
    assert 'id="case-light"' not in html  # a closed case has no light


def test_a_dispatched_case_shows_its_light_remaining_time_and_department(client, world, media_root):
    case = case_in(Status.DISPATCHED, world)  # at 09:00; signing is due within one working hour
    with clock.acting_at(at("2026-11-18 09:20")):
        html = page_of(client, world.dispatcher, case).content.decode()
    assert 'data-light="green"' in html and "剩余 40 分钟" in html
    assert 'id="case-department">市政<' in html
    assert "签收" in html  # the current step
    with clock.acting_at(at("2026-11-18 11:00")):
        html = page_of(client, world.dispatcher, case).content.decode()
    assert 'data-light="red"' in html and "超期 1 工时" in html


def test_a_suspended_case_shows_the_decided_request_in_the_timeline(client, world, media_root):
    case = case_in(Status.SUSPENDED, world)
    response = page_of(client, world.dispatcher, case)
    assert 'data-status="suspended"' in response.content.decode()
    actions = [e.event.action for e in response.context["events"]]
    assert actions[-2:] == ["request-suspend", "decide-request"]
    assert rendered_actions(response.content.decode()) == set(available_actions(case, world.dispatcher))


@pytest.mark.parametrize("role", ["dispatcher", "shift_leader", "operator"])
def test_only_the_actions_the_person_may_take_are_offered(client, world, media_root, role):
    case = case_in(Status.FILED, world)
    person = getattr(world, role)
    html = page_of(client, person, case).content.decode()
    expected = set(available_actions(case, person))
    assert rendered_actions(html) == expected
    assert ("dispatch" in expected) == (role == "dispatcher")
    assert ("void" in expected) == (role == "shift_leader")


def test_a_handler_is_offered_sign_and_return_but_not_dispatch(client, world, media_root):
    case = case_in(Status.DISPATCHED, world)
    html = page_of(client, world.handler_a, case).content.decode()
    assert rendered_actions(html) == set(available_actions(case, world.handler_a))
    assert {"sign", "request-return"} <= rendered_actions(html)
    assert "dispatch" not in rendered_actions(html)


def test_a_pending_request_is_shown_with_its_decision_form_for_the_dispatcher(client, world, media_root):
    case = case_in(Status.IN_PROGRESS, world)
    with clock.acting_at(at(LATER)):
        services.case_request_delay(case=case, by=world.handler_a, reason="材料未到", extra_value="2")
    html = page_of(client, world.dispatcher, case).content.decode()
    assert 'id="case-pending"' in html and "材料未到" in html and "延期" in html
    assert 'data-action="decide-request"' in html
    handler_html = page_of(client, world.handler_a, case).content.decode()
    assert "材料未到" in handler_html and 'data-action="decide-request"' not in handler_html


def test_a_handler_sees_the_caller_masked_and_an_operator_in_full(client, world, media_root):
    case = case_in(Status.DISPATCHED, world)
    handler_html = page_of(client, world.handler_a, case).content.decode()
    assert "138****5678" in handler_html and "13812345678" not in handler_html
    assert "王*" in handler_html and "王五" not in handler_html
    operator_html = page_of(client, world.operator, case).content.decode()
    assert "13812345678" in operator_html and "王五" in operator_html
    assert "T-0001" in operator_html


def test_a_case_outside_the_persons_scope_is_not_found(client, world, media_root):
    case = case_in(Status.DISPATCHED, world)  # with department sz
    assert page_of(client, world.handler_b, case).status_code == 404
    assert page_of(client, world.outsider, case).status_code == 404
    assert post_action(client, world.handler_b, case, "sign").status_code == 404
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_an_unknown_action_or_case_is_not_found(client, world, media_root):
    case = case_in(Status.FILED, world)
    assert post_action(client, world.dispatcher, case, "teleport").status_code == 404
    client.force_login(world.dispatcher)
    assert client.get(reverse("work:case", kwargs={"number": "000"})).status_code == 404


def test_the_page_asks_to_sign_in(client, world, media_root):
    case = case_in(Status.FILED, world)
    response = client.get(reverse("work:case", kwargs={"number": case.number}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dispatching_from_the_page_changes_the_case_and_writes_the_event(client, world, media_root):
    case = case_in(Status.FILED, world)
    response = post_action(client, world.dispatcher, case, "dispatch", {"department": "hw", "comment": "请尽快"})
    assert response.status_code == 302
    assert response["Location"] == reverse("work:case", kwargs={"number": case.number})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.department.code == "hw"
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert event.actor == world.dispatcher and event.comment == "请尽快"
    page = client.get(response["Location"]).content.decode()
    assert "派遣：案件" in page and "已派遣" in page


def test_feedback_without_a_result_shows_the_message_by_the_field(client, world, media_root):
    case = case_in(Status.IN_PROGRESS, world)
    response = post_action(client, world.handler_a, case, "feedback", {"result": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写处置结果。" in html
    assert re.search(r'id="act-feedback-panel" class="accordion-collapse collapse show"', html)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert not CaseEvent.objects.filter(case=case, action="feedback").exists()


def test_feedback_without_a_photo_keeps_the_typed_result(client, world, media_root):
    case = case_in(Status.IN_PROGRESS, world)
    response = post_action(client, world.handler_a, case, "feedback", {"result": "已更换井盖，现场已清理"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "处置反馈需要上传处置后照片。" in html
    assert re.search(r'<textarea[^>]*id="act-feedback-result"[^>]*>已更换井盖，现场已清理</textarea>', html)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_feedback_with_a_photo_is_taken(client, world, media_root):
    case = case_in(Status.IN_PROGRESS, world)
    client.force_login(world.handler_a)
    url = reverse("work:case_action", kwargs={"number": case.number, "action": "feedback"})
    response = client.post(url, {"result": "已修复", "photos": [photo("after.png")]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.HANDLED
    assert case.attachments.filter(stage="after").count() == 1


def test_a_second_dispatch_is_refused_with_the_services_words(client, world, media_root):
    case = case_in(Status.FILED, world)
    first = post_action(client, world.dispatcher, case, "dispatch", {"department": "sz"})
    assert first.status_code == 302
    # Another dispatcher's page still offered the form; their post comes second.
    second = post_action(client, world.dispatcher, case, "dispatch", {"department": "hw"})
    assert second.status_code == 302
    html = client.get(second["Location"]).content.decode()
    assert f"案件 {case.number} 当前为“已派遣”，不能派遣。" in html
    assert "alert-danger" in html
    case.refresh_from_db()
    assert case.department.code == "sz"
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1


@pytest.mark.parametrize(
    "target, expected",
    [
        ("https://evil.example/phish", None),
        ("//evil.example/phish", None),
        ("/work/queue/?tab=filed", "/work/queue/?tab=filed"),
    ],
)
def test_next_is_followed_only_within_the_site(client, world, media_root, target, expected):
    case = case_in(Status.FILED, world)
    response = post_action(client, world.dispatcher, case, "dispatch", {"department": "sz", "next": target})
    assert response.status_code == 302
    assert response["Location"] == (expected or reverse("work:case", kwargs={"number": case.number}))
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_linking_a_suggested_duplicate_from_the_page(client, world, media_root):
    original = case_in(Status.FILED, world)
    with clock.acting_at(at(LATER)):
        duplicate = case_in(Status.REPORTED, world, moment=at(LATER), caller_phone="13900000000")
    html = page_of(client, world.operator, duplicate).content.decode()
    assert f'data-number="{original.number}"' in html  # suggested: same category, same place
    response = post_action(client, world.operator, duplicate, "link-duplicate", {"original": original.number})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.VOIDED and duplicate.duplicate_of == original
    original_html = page_of(client, world.operator, original).content.decode()
    assert duplicate.number in original_html and 'id="linked-duplicates"' in original_html


def _rework(case, world, rounds: int) -> Case:
    """Feedback, check request and failed check, ``rounds`` times: 3 events and 2 photos a round."""
    for _ in range(rounds):
        case = services.case_feedback(case=case, by=world.handler_a, result="已修复", photos=[photo()])
        case = services.case_check_request(case=case, by=world.operator)
        case = services.case_check_fail(case=case, by=world.inspector, reason="未修好", photos=[photo()])
    return case


def test_the_number_of_queries_does_not_grow_with_events_and_photos(client, world, media_root):
    few = case_in(Status.IN_PROGRESS, world, grid=0)
    many = case_in(Status.IN_PROGRESS, world, grid=2)
    with clock.acting_at(at(LATER)):
        many = _rework(many, world, rounds=3)
    assert few.events.count() == 4 and many.events.count() == 13
    assert many.attachments.count() == 6
    client.force_login(world.dispatcher)
    client.get(reverse("work:case", kwargs={"number": few.number}))  # warm the process's reference copies
    counts = []
    for case in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("work:case", kwargs={"number": case.number}))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 14, counts


def test_the_timeline_names_the_department_and_the_satisfaction_not_their_codes(client, world, media_root):
    from org.models import Department

    case = case_in(Status.CLOSED, world)
    with clock.acting_at(at("2026-11-18 16:00")):
        services.case_callback(case=case, by=world.operator, satisfaction="dissatisfied", resolved=False)
    html = page_of(client, world.operator, case).content.decode()
    timeline = html[html.index("timeline") :]
    assert f"处置部门：{Department.objects.get(code='sz').name}" in timeline
    assert "满意度：不满意" in timeline
    assert "处置部门：sz" not in timeline and "dissatisfied" not in timeline.split("</ol>")[0]
