"""三色单 pages (DOMAIN.md §8): the colour sequence and escalation through the
form, the 90-day window, the preview, subjects, bad input, scoping, printing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Category
from patrols.enforcement import notice_issue, subject_find_or_create
from patrols.models import EnforcementNotice, EnforcementSubject
from tests.cases.conftest import at

pytestmark = pytest.mark.django_db

NEW = reverse("patrols:notice_new")
STALL = "09006"  # 占道经营
SPILL = "09005"  # 店外经营


def issue_via_form(client, **fields):
    data = {"name": "老王水果店", "address": "人民路 12 号", "category": STALL, "description": "水果摆到人行道上"}
    return client.post(NEW, data | fields)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_colour_sequence_and_the_escalation_ladder_for_one_subject_and_category(client, world, frozen):
    signed_in(client, world.inspector)
    expected = [
        ("blue", ""),
        ("yellow", ""),
        ("red", ""),
        ("", "persuade"),
        ("", "admonish"),
        ("", "penalty"),
        ("", "ban"),
        ("", "ban"),
    ]
    start = at("2026-03-02 10:00")
    for index, (colour, step) in enumerate(expected):
        extra = {"decision": "责令当场改正"} if step else {}
        if step == "penalty":
            # 处罚 without an amount is refused, with the decision kept as typed.
            with frozen(start + timedelta(days=index)):
                refused = issue_via_form(client, **extra)
            assert refused.status_code == 400
            assert "处罚须填写罚款金额" in refused.content.decode()
            assert "责令当场改正" in refused.content.decode()
            extra["penalty_amount"] = "200"
        with frozen(start + timedelta(days=index)):
            response = issue_via_form(client, **extra)
        assert response.status_code == 302, response.content.decode()[:2000]
        notice = EnforcementNotice.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
        assert (notice.colour, notice.step, notice.sequence) == (colour, step, index + 1)
    assert EnforcementSubject.objects.count() == 1
    assert EnforcementNotice.objects.get(step="penalty").penalty_amount == Decimal("200")
    page = client.get(reverse("patrols:notice", args=[notice.pk])).content.decode()
    assert "升级处置：取缔" in page


def test_a_notice_older_than_90_days_no_longer_counts(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-01-05 10:00")):
        assert issue_via_form(client).status_code == 302
    with frozen(at("2026-02-05 10:00")):
        assert issue_via_form(client).status_code == 302  # yellow
    with frozen(at("2026-04-20 10:00")):  # 105 days after the first, 74 after the second
        assert issue_via_form(client).status_code == 302
    latest = EnforcementNotice.objects.order_by("-issued_at").first()
    assert (latest.sequence, latest.colour) == (2, "yellow")


def test_a_different_category_starts_again_at_blue(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-03-02 10:00")):
        issue_via_form(client)
        issue_via_form(client)
        issue_via_form(client, category=SPILL)
    assert list(EnforcementNotice.objects.order_by("issued_at", "pk").values_list("colour", flat=True)) == [
        "blue",
        "yellow",
        "blue",
    ]


def test_the_preview_shows_the_level_the_notice_will_be(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-03-02 10:00")):
        first = client.get(NEW, {"part": "preview", "name": "老王水果店", "address": "人民路 12 号", "category": STALL})
        assert "第 1 次（90 天内）：蓝色 温馨提示单" in first.content.decode()
        issue_via_form(client)
        subject = EnforcementSubject.objects.get()
        picked = client.get(NEW, {"part": "preview", "subject": subject.pk, "category": STALL})
        assert "第 2 次（90 天内）：黄色 提醒警告单" in picked.content.decode()
        typed = client.get(NEW, {"part": "preview", "name": "老王水果店", "address": "人民路 12 号", "category": STALL})
        assert "黄色 提醒警告单" in typed.content.decode()
        assert "已有记录的对象" in typed.content.decode()
        issue_via_form(client)
        issue_via_form(client)
        beyond = client.get(NEW, {"part": "preview", "subject": subject.pk, "category": STALL}).content.decode()
        assert "第 4 次（90 天内）：升级处置：劝导" in beyond
        assert 'data-step="persuade"' in beyond
        nothing = client.get(NEW, {"part": "preview", "subject": subject.pk}).content.decode()
        assert "次（90 天内）" not in nothing and 'data-step=""' in nothing


def test_the_subject_search_and_the_chosen_subject(client, world):
    signed_in(client, world.inspector)
    subject = subject_find_or_create(name="李记早餐", address="解放路 3 号", licence_no="91330100MA1234")
    found = client.get(NEW, {"part": "subjects", "q": "91330100"}).content.decode()
    assert "李记早餐" in found
    assert client.get(NEW, {"part": "subjects", "q": "早餐"}).content.decode().count("李记早餐") == 1
    assert "没有找到" in client.get(NEW, {"part": "subjects", "q": "不存在的店"}).content.decode()
    chosen = client.get(NEW, {"part": "subject", "subject": subject.pk})
    assert f'name="subject" value="{subject.pk}"' in chosen.content.decode()
    assert chosen["HX-Trigger"] == "subjectChosen"


def test_subjects_are_found_by_licence_number_and_by_name_and_address(world):
    by_licence = subject_find_or_create(name="张三烧烤", address="", licence_no="L-001")
    assert subject_find_or_create(name="张三烧烤（新招牌）", address="别处", licence_no="L-001") == by_licence
    by_place = subject_find_or_create(name="路边摊", address="中山路口")
    assert subject_find_or_create(name="路边摊", address="中山路口") == by_place
    assert subject_find_or_create(name="路边摊", address="北京路口") != by_place
    # A licence shown later belongs to the shop recorded by name + address.
    assert subject_find_or_create(name="路边摊", address="中山路口", licence_no="L-002") == by_place
    by_place.refresh_from_db()
    assert by_place.licence_no == "L-002"
    assert EnforcementSubject.objects.count() == 3


def test_a_picked_subject_is_used_as_it_is(client, world, frozen):
    signed_in(client, world.inspector)
    subject = subject_find_or_create(name="李记早餐", address="解放路 3 号")
    with frozen(at("2026-03-02 10:00")):
        response = client.post(NEW, {"subject": subject.pk, "category": SPILL, "description": "桌椅摆出店外"})
    assert response.status_code == 302
    assert EnforcementNotice.objects.get().subject == subject
    assert EnforcementSubject.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field_message"),
    [
        ({"description": "  "}, "请填写违规情况"),
        ({"name": ""}, "请填写对象名称"),
        ({"address": "", "licence_no": ""}, "请填写地址或营业执照号"),
        ({"category": ""}, "请选择违规类别"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_with_everything_kept(client, world, fields, field_message):
    signed_in(client, world.inspector)
    response = issue_via_form(client, **({"licence_no": "LIC-77"} | fields))
    page = response.content.decode()
    assert response.status_code == 400
    assert field_message in page
    assert "is-invalid" in page
    typed = {"licence_no": "LIC-77", "name": "老王水果店", "description": "水果摆到人行道上"}
    for name, value in typed.items():
        if name not in fields:
            assert value in page
    assert not EnforcementNotice.objects.exists()
    assert not EnforcementSubject.objects.exists()  # the subject is not kept when the notice is refused


def test_escalation_needs_a_decision_and_a_penalty_cannot_be_negative(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-03-02 10:00")):
        for _ in range(3):
            issue_via_form(client)
        no_decision = issue_via_form(client, description="第四次占道")
        negative = issue_via_form(client, decision="劝离", penalty_amount="-5")
    assert no_decision.status_code == 400
    assert "升级处置须填写处理决定" in no_decision.content.decode()
    assert "第四次占道" in no_decision.content.decode()
    assert "第 4 次（90 天内）：升级处置：劝导" in no_decision.content.decode()
    assert negative.status_code == 400
    assert "罚款金额应为" in negative.content.decode()
    assert 'value="-5"' in negative.content.decode()
    assert EnforcementNotice.objects.count() == 3


def test_a_handler_may_not_issue_or_read_notices(client, world):
    signed_in(client, world.handler_a)
    assert client.get(NEW).status_code == 403
    assert issue_via_form(client).status_code == 403
    assert client.get(reverse("patrols:notices")).status_code == 403
    assert not EnforcementNotice.objects.exists()


def test_the_list_is_scoped_filtered_and_paged(client, world, frozen, django_user_model):
    from tests.factories import make_person

    other = make_person("inspector2", ["inspector"])
    stall = Category.objects.get(code=STALL)
    spill = Category.objects.get(code=SPILL)
    with frozen(at("2026-03-02 10:00")):
        mine = subject_find_or_create(name="老王水果店", address="人民路 12 号")
        theirs = subject_find_or_create(name="阿强小炒", address="和平街 5 号")
        for index in range(25):
            notice_issue(by=world.inspector, subject=mine, category=stall if index % 2 else spill, description="x",
                         decision="劝离", penalty_amount="10")  # fmt: skip
        notice_issue(by=other, subject=theirs, category=stall, description="占道")
    url = reverse("patrols:notices")

    signed_in(client, world.inspector)
    page = client.get(url).content.decode()
    assert "老王水果店" in page and "阿强小炒" not in page
    assert "共 25 张" in page
    assert "阿强小炒" not in client.get(url, {"q": "阿强"}).content.decode()
    theirs_notice = EnforcementNotice.objects.get(subject=theirs)
    assert client.get(reverse("patrols:notice", args=[theirs_notice.pk])).status_code == 404

    signed_in(client, world.dispatcher)
    assert "共 26 张" in client.get(url).content.decode()
    assert "阿强小炒" in client.get(url, {"q": "阿强"}).content.decode()
    assert "共 1 张" in client.get(url, {"q": "阿强"}).content.decode()
    by_number = client.get(url, {"q": theirs_notice.number}).content.decode()
    assert by_number.count("list-group-item-action") == 1 and "阿强小炒" in by_number
    blue = client.get(url, {"level": "blue"}).content.decode()
    assert blue.count('class="badge text-bg-primary"') == 3  # the first of each subject and category
    assert client.get(url, {"level": "penalty"}).content.decode().count("升级处置：处罚") >= 1 + 2
    assert "共 13 张" in client.get(url, {"category": SPILL}).content.decode()
    assert "没有符合条件" in client.get(url, {"since": "2026-03-03"}).content.decode()
    assert "共 26 张" in client.get(url, {"since": "2026-03-02", "until": "2026-03-02"}).content.decode()

    # No per-row queries: page 1 (20 rows) costs what a 1-row page does.
    with CaptureQueriesContext(connection) as full:
        client.get(url)
    with CaptureQueriesContext(connection) as single:
        client.get(url, {"q": "阿强"})
    assert len(full) == len(single)


def test_the_printable_page_shows_number_colour_and_subject(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-03-02 10:00")):
        issue_via_form(client)
        issue_via_form(client)
    notice = EnforcementNotice.objects.get(colour="yellow")
    page = client.get(reverse("patrols:notice_print", args=[notice.pk])).content.decode()
    assert notice.number in page
    assert "band-yellow" in page and "黄色 提醒警告单" in page
    assert "老王水果店" in page
    assert "当事人签字" in page and "执法人员签字" in page
    assert "@media print" in page


def test_the_subject_page_shows_each_category_and_where_its_window_stands(client, world, frozen):
    signed_in(client, world.inspector)
    with frozen(at("2026-03-02 10:00")):
        issue_via_form(client)
        issue_via_form(client)
        issue_via_form(client, category=SPILL)
        subject = EnforcementSubject.objects.get()
        page = client.get(reverse("patrols:subject", args=[subject.pk])).content.decode()
    assert "占道经营：90 天内 2 次，下次为红色 警告单" in page
    assert "店外经营：90 天内 1 次，下次为黄色 提醒警告单" in page
    with frozen(at("2026-07-01 10:00")):
        later = client.get(reverse("patrols:subject", args=[subject.pk])).content.decode()
    assert "占道经营：90 天内 0 次，下次为蓝色 温馨提示单" in later


def test_the_form_opened_from_a_patrol_page_keeps_the_place(client, world):
    signed_in(client, world.inspector)
    grid = world.city.grids[0]
    page = client.get(NEW, {"lat": grid.centroid_lat, "lng": grid.centroid_lng}).content.decode()
    assert f'name="lat" value="{grid.centroid_lat}"' in page
    response = issue_via_form(client, lat=grid.centroid_lat, lng=grid.centroid_lng)
    assert response.status_code == 302
    notice = EnforcementNotice.objects.get()
    assert notice.lat == pytest.approx(grid.centroid_lat)
    assert notice.subject.grid_id == grid.pk
