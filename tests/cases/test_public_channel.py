"""The public channel's services and readings (cases/public.py): reports from the
public with no user, the reporter's own verdict after closing, and what the public
may read of a case. The pages and Open311 on top of them have their own tests."""

from __future__ import annotations

import pytest

from cases import clock, public, services
from cases.errors import CaseError
from cases.models import Case, CaseEvent, PublicReport, Source, Status
from org.selectors import forget_grid_index, locate_address, locate_point
from tests.cases.conftest import BUILT_AT, at, case_in, grid_point, photo

pytestmark = pytest.mark.django_db


def public_case(world, **extra):
    fields = {
        "via": "web",
        "category": "01001",
        "description": "人行道井盖松动，请尽快处理。",
        "address": "第1社区门口",
        "caller_name": "李四",
        "caller_phone": "13900001111",
        "email": "lisi@example.cn",
        "ip": "203.0.113.9",
        **grid_point(world.city, 1),
    }
    with clock.acting_at(at(BUILT_AT)):  # the moment case_in walks on at
        return services.case_report_public(**(fields | extra))


def test_a_public_report_is_a_case_of_the_public_channel_with_no_user(world, media_root):
    case = public_case(world, photos=[photo()])

    stored = Case.objects.get(number=case.number)
    assert stored.source == Source.PUBLIC and stored.status == Status.REPORTED
    assert stored.reporter is None
    assert (stored.caller_name, stored.caller_phone) == ("李四", "13900001111")
    assert stored.grid_id == world.city.grids[1].id
    report = PublicReport.objects.get(case=stored)
    assert report.via == "web" and report.email == "lisi@example.cn" and str(report.ip) == "203.0.113.9"
    assert len(report.token) >= 20
    event = CaseEvent.objects.get(case=stored)
    assert event.action == "report" and event.actor is None
    assert event.data == {"source": "public", "via": "web"}
    assert stored.attachments.count() == 1


def test_an_open311_report_names_its_client(world):
    from cases.models import Open311Client

    client = Open311Client.objects.create(name="市民通 App")
    case = public_case(world, via="open311", client=client, media_url="https://img.example.cn/1.jpg")

    assert case.public_report.client == client
    assert case.public_report.media_url == "https://img.example.cn/1.jpg"
    assert CaseEvent.objects.get(case=case).data["client"] == "市民通 App"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "99999"}, "category"),
        ({"description": "  "}, "description"),
        ({"description": "字" * 4001}, "description"),
        ({"lat": 10.0, "lng": 10.0}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"email": "not-an-address"}, "email"),
        ({"media_url": "ftp://example.cn/x.jpg"}, "media_url"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"urgency": "tomorrow"}, "urgency"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, change, field):
    with pytest.raises(CaseError) as refused:
        public_case(world, **change)

    assert refused.value.kind == "input"
    assert field in refused.value.fields
    assert not Case.objects.exists() and not PublicReport.objects.exists()


def test_every_bad_field_is_reported_at_once(world):
    with pytest.raises(CaseError) as refused:
        public_case(world, category="nope", description="", email="x@")

    assert {"category", "description", "email"} <= set(refused.value.fields)


def closed_public_case(world):
    return case_in(Status.CLOSED, world, reported=public_case(world), source="public")


def test_the_reporter_says_whether_it_was_fixed_and_it_counts_as_the_callback(world):
    case = closed_public_case(world)
    token = case.public_report.token

    answered = services.case_public_feedback(case=case, token=token, satisfaction="basically", resolved=True)

    stored = Case.objects.get(pk=case.pk)
    assert (stored.satisfaction, stored.resolved) == ("basically", True)
    assert stored.callback_at is not None and stored.callback_at >= stored.closed_at
    assert answered.callback_at == stored.callback_at
    event = stored.events.order_by("-created_at", "-id").first()
    assert event.action == "callback" and event.actor is None and event.data["via"] == "public"


def test_only_the_tracking_token_may_answer(world):
    case = closed_public_case(world)

    for token in ("", "guess", case.public_report.token[:-1] + "x"):
        with pytest.raises(CaseError) as refused:
            services.case_public_feedback(case=case, token=token, satisfaction="satisfied", resolved=True)
        assert refused.value.kind == "permission"
    assert Case.objects.get(pk=case.pk).callback_at is None


def test_a_case_of_another_channel_cannot_be_answered_from_outside(world):
    case = case_in(Status.CLOSED, world, source="hotline")

    with pytest.raises(CaseError) as refused:
        services.case_public_feedback(case=case, token="anything", satisfaction="satisfied", resolved=True)
    assert refused.value.kind == "permission"


def test_an_open_case_cannot_be_answered_yet(world):
    case = public_case(world)

    with pytest.raises(CaseError) as refused:
        services.case_public_feedback(
            case=case, token=case.public_report.token, satisfaction="satisfied", resolved=True
        )
    assert refused.value.kind == "state"


def test_the_answer_is_given_once(world):
    case = closed_public_case(world)
    token = case.public_report.token
    services.case_public_feedback(case=case, token=token, satisfaction="dissatisfied", resolved=False)

    with pytest.raises(CaseError) as refused:
        services.case_public_feedback(case=case, token=token, satisfaction="satisfied", resolved=True)
    assert refused.value.kind == "state"
    assert Case.objects.get(pk=case.pk).satisfaction == "dissatisfied"


def test_an_incomplete_answer_is_refused_with_the_fields(world):
    case = closed_public_case(world)

    with pytest.raises(CaseError) as refused:
        services.case_public_feedback(case=case, token=case.public_report.token, satisfaction="great", resolved=None)
    assert set(refused.value.fields) == {"satisfaction", "resolved"}
    assert Case.objects.get(pk=case.pk).callback_at is None


def test_a_dissatisfied_answer_may_be_reopened_by_the_dispatcher(world):
    case = closed_public_case(world)
    services.case_public_feedback(
        case=case, token=case.public_report.token, satisfaction="dissatisfied", resolved=False
    )

    reopened = services.case_reopen(case=case, by=world.dispatcher, reason="市民反映仍未修好")
    assert reopened.status == Status.IN_PROGRESS


# --- what the public reads ----------------------------------------------------------------


def test_the_public_timeline_has_fixed_phrases_and_no_internal_comment(world):
    case = case_in(Status.IN_PROGRESS, world, reported=public_case(world), source="public")
    services.case_supervise(case=case, by=world.dispatcher, note="联系人王五 13812345678 催办")
    services.case_request_delay(case=case, by=world.handler_a, reason="等材料", extra_value=2)
    services.case_decide_request(case=case, by=world.dispatcher, approve=True)

    case = public.public_cases().get(pk=case.pk)
    events = public.public_events(case)

    assert [e.action for e in events] == ["report", "file", "dispatch", "sign", "decide-request"]
    texts = " ".join(e.text for e in events)
    assert "市政" in texts  # dispatched to the department by name
    assert "处置期限已延长" in texts
    assert "13812345678" not in texts and "王五" not in texts and "等材料" not in texts
    assert public.status_note(case) == "处置期限已延长"
    assert public.open311_status(case.status) == "open"


def test_a_denied_request_is_not_public(world):
    case = case_in(Status.IN_PROGRESS, world, reported=public_case(world), source="public")
    services.case_request_delay(case=case, by=world.handler_a, reason="等材料", extra_value=2)
    services.case_decide_request(case=case, by=world.dispatcher, approve=False, comment="不同意")

    actions = [e.action for e in public.public_events(public.public_cases().get(pk=case.pk))]
    assert "decide-request" not in actions


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED, Status.VOIDED])
def test_an_ended_case_is_closed_for_open311(status):
    assert public.open311_status(status) == "closed"


def test_after_photos_are_public_only_once_the_case_is_closed(world, media_root):
    handled = case_in(Status.HANDLED, world, reported=public_case(world), source="public")
    assert public.public_photos(handled) == []

    closed = case_in(Status.CLOSED, world, reported=public_case(world), source="public")
    photos = public.public_photos(closed)
    assert [p.stage for p in photos] == ["after"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("请联系 13812345678 王先生", "请联系 138****5678 王先生"),
        ("电话0571-87654321", "电话057******4321"),
        ("身份证 33010219900101123X 丢失", "身份证 330***********123X 丢失"),
        ("井盖编号 12345 破损", "井盖编号 12345 破损"),
        ("", ""),
    ],
)
def test_personal_numbers_in_free_text_are_masked(text, shown):
    assert public.masked_text(text) == shown


# --- an address in words -------------------------------------------------------------------


def test_an_address_naming_a_grid_or_community_is_located_in_it(world):
    grid = world.city.grids[2]
    grid.name = "第1社区东门网格"
    grid.save()
    forget_grid_index()

    lat, lng, name = locate_address("示范市第1社区东门网格旁边的路口")
    assert name == "第1社区东门网格"  # the grid's own name is the more specific one
    assert locate_point(lat=lat, lng=lng).grid.id == grid.id

    lat, lng, name = locate_address("第2社区 菜场门口")
    assert name == "第2社区"
    assert locate_point(lat=lat, lng=lng).community.id == world.city.communities[1].id


@pytest.mark.parametrize("text", ["", "   ", "火星大道 1 号", "第"])
def test_an_address_naming_no_place_of_the_city_is_not_located(world, text):
    assert locate_address(text) is None
