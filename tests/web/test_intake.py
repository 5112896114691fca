"""Hotline intake (受理) in the workspace: the form, its htmx helpers and the steps after it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseEvent
from tests.cases.conftest import case_in, grid_point, photo
from tests.factories import make_person

pytestmark = pytest.mark.django_db

URL = "/work/intake/"


@pytest.fixture
def duty(world):
    """A small city's duty officer: operator + shift leader + dispatcher."""
    return make_person("duty", ["operator", "shift_leader", "dispatcher"])


def signed_in(client, user):
    client.force_login(user)
    return client


def hotline_form(world, grid=1, **extra):
    point = grid_point(world.city, grid)
    return {
        "source": "hotline",
        "hotline_ticket_no": "GD20261121001",
        "hotline_type": "complaint",
        "caller_name": "王先生",
        "caller_phone": "13812345678",
        "address": "示范路 1 号门口",
        "lat": f"{point['lat']:.6f}",
        "lng": f"{point['lng']:.6f}",
        "category": "06010 暴露垃圾",
        "description": "小区门口垃圾堆放三天无人清理",
        "urgency": "normal",
        **extra,
    }


# --- access ---------------------------------------------------------------------------


def test_the_form_opens_for_every_intake_role_and_not_for_a_handler(client, world):
    for user in (world.operator, world.shift_leader, world.dispatcher, world.admin):
        response = signed_in(client, user).get(URL)
        assert response.status_code == 200, user.username
        assert 'name="hotline_ticket_no"' in response.content.decode()
    for url in (
        URL,
        reverse("work:intake_locate"),
        reverse("work:intake_categories"),
        reverse("work:intake_duplicates"),
    ):
        assert signed_in(client, world.handler_a).get(url).status_code == 403
    assert signed_in(client, world.handler_a).post(URL, hotline_form(world)).status_code == 403
    assert not Case.objects.exists()


def test_it_asks_to_sign_in_first(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_is_keyboard_ready(client, world):
    html = signed_in(client, world.operator).get(URL).content.decode()
    assert 'id="f-ticket"' in html and "autofocus" in html.split('id="f-ticket"')[1].split(">")[0]
    for control in ("f-source", "f-ticket", "f-hotline-type", "f-caller", "f-phone", "f-address", "f-lat", "f-lng",
                    "f-category", "f-description", "f-urgency", "f-photos"):  # fmt: skip
        assert f'for="{control}"' in html, control
    assert "Ctrl+Enter" in html and 'accesskey="s"' in html


# --- registering ---------------------------------------------------------------------------


def test_a_hotline_call_is_registered_and_file_and_dispatch_are_offered(client, world, duty, media_root):
    client = signed_in(client, duty)
    response = client.post(URL, hotline_form(world) | {"photos": [photo("a.png"), photo("b.png")]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.category.code, case.hotline_ticket_no, case.caller_phone) == (
        "hotline", "06010", "GD20261121001", "13812345678"
    )  # fmt: skip
    assert case.grid == world.city.grids[1] and case.reporter == duty and case.attachments.count() == 2
    assert response["Location"] == f"{URL}?done={case.number}"

    page = client.get(response["Location"]).content.decode()
    assert case.number in page and 'id="file-form"' in page and 'id="dispatch-form"' not in page

    assert client.post(URL, {"step": "file", "case": case.number}).status_code == 302
    page = client.get(f"{URL}?done={case.number}").content.decode()
    office = world.offices[0]
    assert 'id="dispatch-form"' in page and f"按默认派遣规则：{office.name}" in page
    assert f'<option value="{office.code}" selected>' in page

    assert client.post(URL, {"step": "dispatch", "case": case.number, "department": "hw"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched" and case.department == world.dept_b
    assert list(case.events.values_list("action", flat=True)) == ["report", "file", "dispatch"]
    assert "已派遣至 环卫" in client.get(f"{URL}?done={case.number}").content.decode()


def test_an_operator_alone_is_offered_neither_file_nor_dispatch(client, world):
    client = signed_in(client, world.operator)
    response = client.post(URL, hotline_form(world))
    page = client.get(response["Location"]).content.decode()
    assert Case.objects.get().number in page
    assert 'id="file-form"' not in page and 'id="dispatch-form"' not in page
    # nor may they take the step by posting it
    response = client.post(URL, {"step": "file", "case": Case.objects.get().number})
    assert response.status_code == 409 and Case.objects.get().status == "reported"


def test_a_step_refused_by_the_service_says_why_and_changes_nothing(client, world, duty):
    client = signed_in(client, duty)
    number = client.post(URL, hotline_form(world))["Location"].split("=")[1]
    response = client.post(URL, {"step": "dispatch", "case": number})
    assert response.status_code == 409 and "不能派遣" in response.content.decode()
    client.post(URL, {"step": "file", "case": number})
    response = client.post(URL, {"step": "dispatch", "case": number, "department": "nope"})
    assert response.status_code == 400 and "未知或已停用的部门" in response.content.decode()
    assert Case.objects.get().status == "filed"


BAD_INPUTS = [
    ({"category": "99999 不存在"}, "category", "未知或已停用的案件类别"),
    ({"lat": "10.0", "lng": "10.0"}, "lat", "不在本平台管理的网格范围内"),
    ({"description": "   "}, "description", "请填写问题描述"),
    ({"description": "长" * 4001}, "description", "问题描述最多 4000 字"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_bad_input_is_answered_next_to_the_field_and_keeps_what_was_typed(client, world, change, field, message):
    response = signed_in(client, world.operator).post(URL, hotline_form(world) | change)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    # the message sits right after its control's group, not only in a banner
    assert html.index(message) > html.index(f'name="{field}"')
    assert 'value="GD20261121001"' in html and 'value="13812345678"' in html and 'value="示范路 1 号门口"' in html
    assert "照片需要重新选择" in html
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_next_to_the_photo_input(client, world, media_root):
    fake = SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png")
    response = signed_in(client, world.operator).post(URL, hotline_form(world) | {"photos": [fake]})
    html = response.content.decode()
    assert response.status_code == 400 and "“notes.png”不是有效的图片" in html
    assert html.index("不是有效的图片") > html.index('name="photos"')
    assert "小区门口垃圾堆放三天无人清理</textarea>" in html
    assert not Case.objects.exists()


def test_a_category_can_be_given_by_its_exact_name(client, world):
    signed_in(client, world.operator).post(URL, hotline_form(world, category="暴露垃圾"))
    assert Case.objects.get().category.code == "06010"


# --- htmx helpers ----------------------------------------------------------------------------


def test_locate_names_the_grid_street_and_district_and_says_clearly_when_outside(client, world):
    client = signed_in(client, world.operator)
    point = grid_point(world.city, 5)
    html = client.get(reverse("work:intake_locate"), point).content.decode()
    grid = world.city.grids[5]
    assert grid.code in html and "第2街道" in html and "第2社区" in html and "第2区" in html
    assert 'id="nearby-grids"' in html  # the map draws the grids around the pin without tiles
    html = client.get(reverse("work:intake_locate"), {"lat": "10", "lng": "10"}).content.decode()
    assert "不在本平台管理的网格范围内" in html and "第2街道" not in html
    html = client.get(reverse("work:intake_locate"), {"lat": "abc", "lng": "1"}).content.decode()
    assert "请输入有效的纬度和经度" in html


def test_categories_are_found_by_code_and_by_name(client, world):
    client = signed_in(client, world.operator)
    html = client.get(reverse("work:intake_categories"), {"category": "0601"}).content.decode()
    assert '<option value="06010 暴露垃圾">' in html and "01001 " not in html
    html = client.get(reverse("work:intake_categories"), {"category": "井盖"}).content.decode()
    assert '<option value="01001 供水井盖">' in html and "06010 " not in html
    html = client.get(reverse("work:intake_categories"), {"category": "06010"}).content.decode()
    assert 'hx-swap-oob="true"' in html and "已选类别：" in html and "06010 暴露垃圾" in html


def test_duplicates_list_a_nearby_same_category_case_and_a_same_phone_case(client, world, frozen):
    near = case_in("filed", world, grid=1, category="06010", caller_phone="13900000001")
    point = grid_point(world.city, 1)
    far_same_caller = case_in("reported", world, grid=6, category="01001", caller_phone="13812345678")
    elsewhere = case_in("reported", world, grid=6, category="06010", caller_phone="13900000002")
    query = {"category": "06010", "lat": point["lat"] + 0.0002, "lng": point["lng"], "caller_phone": "138 1234 5678"}
    html = signed_in(client, world.operator).get(reverse("work:intake_duplicates"), query).content.decode()
    assert near.number in html and "米内的同类案件" in html and "距离 22 米" in html
    assert far_same_caller.number in html and "同一来电号码" in html
    assert elsewhere.number not in html
    assert html.count("关联为重复件（不新建）") == 2


def test_duplicates_hide_cases_the_user_may_not_see(client, world, monkeypatch):
    """Every intake role sees all cases today (ALL_CASES_ROLES); the list is still
    scoped by Case.objects.visible_to, which this proves by opening the endpoint
    to a handler, who sees only their department's cases."""
    from cases.web import intake

    mine = case_in("dispatched", world, grid=1, category="06010", department="sz")
    theirs = case_in("dispatched", world, grid=1, category="06010", department="hw")
    query = {"category": "06010", **grid_point(world.city, 1)}
    html = signed_in(client, world.dispatcher).get(reverse("work:intake_duplicates"), query).content.decode()
    assert mine.number in html and theirs.number in html
    assert "关联为重复件（不新建）" not in html  # linking is the operator's (DOMAIN.md §4)
    monkeypatch.setattr(intake, "PAGE_ROLES", intake.PAGE_ROLES | {"handler"})
    html = signed_in(client, world.handler_a).get(reverse("work:intake_duplicates"), query).content.decode()
    assert mine.number in html and theirs.number not in html


def test_nothing_is_asked_before_category_and_point_are_known(client, world):
    html = signed_in(client, world.operator).get(reverse("work:intake_duplicates"), {"category": "06010"})
    assert "可能的重复件" not in html.content.decode() and "没有同类案件" not in html.content.decode()


def test_a_call_is_linked_as_a_duplicate_instead_of_being_taken_as_new(client, world):
    original = case_in("filed", world, grid=1, category="06010")
    client = signed_in(client, world.operator)
    response = client.post(URL, hotline_form(world) | {"duplicate_of": original.number})
    assert response.status_code == 302
    duplicate = Case.objects.exclude(pk=original.pk).get()
    assert duplicate.status == "voided" and duplicate.duplicate_of == original
    assert duplicate.hotline_ticket_no == "GD20261121001"
    assert original.events.filter(action="duplicate-linked", data__duplicate=duplicate.number).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已登记为重复件" in page and original.number in page and 'id="file-form"' not in page


def test_linking_to_a_voided_case_writes_nothing_and_keeps_the_form(client, world):
    voided = case_in("voided", world, grid=1, category="06010")
    before = Case.objects.count()
    response = signed_in(client, world.operator).post(URL, hotline_form(world) | {"duplicate_of": voided.number})
    html = response.content.decode()
    assert response.status_code == 400 and "已作废或不予受理" in html and 'value="GD20261121001"' in html
    assert Case.objects.count() == before
    assert not voided.events.filter(action="duplicate-linked").exists()


# --- performance -----------------------------------------------------------------------------


def test_the_htmx_helpers_ask_a_fixed_few_queries(client, world):
    for grid in (1, 2, 3):
        case_in("filed", world, grid=grid, category="06010")
    client = signed_in(client, world.operator)
    point = grid_point(world.city, 1)
    client.get(reverse("work:intake_locate"), point)  # warm the process caches (grid index, catalogue)
    counts = {}
    for name, params in (
        ("locate", point),
        ("categories", {"category": "垃圾"}),
        ("duplicates", {"category": "06010", "caller_phone": "13812345678", **point}),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(f"work:intake_{name}"), params).status_code == 200
        counts[name] = len(queries)
    # session + user (with roles) are 2; then one query each (duplicates: candidates + visibility)
    assert counts == {"locate": 3, "categories": 3, "duplicates": 4}, counts


def test_a_registration_asks_a_fixed_number_of_queries(client, world):
    client = signed_in(client, world.operator)
    client.post(URL, hotline_form(world, hotline_ticket_no="warm"))
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, hotline_form(world)).status_code == 302
    # session, user; case number; savepoint, case, event, release (photos: one insert each)
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]
