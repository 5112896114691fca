"""Login, role start pages, password change and the language switch."""

import pytest
from django.urls import reverse

from org.roles import Role
from tests.factories import make_person


def login(client, username: str, password: str = "demo12345"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_login_page_is_in_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_wrong_password_shows_a_clear_message_and_keeps_the_username(client, people):
    response = login(client, "operator", "wrong-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in page
    assert 'value="operator"' in page


@pytest.mark.parametrize(
    ("person", "role"),
    [
        ("operator", Role.OPERATOR),
        ("shift_leader", Role.SHIFT_LEADER),
        ("dispatcher", Role.DISPATCHER),
        ("handler_a", Role.HANDLER),
        ("inspector", Role.INSPECTOR),
        ("leader", Role.LEADER),
        ("admin", Role.ADMIN),
    ],
)
def test_each_role_lands_on_its_own_start_page(client, people, person, role):
    user = getattr(people, person)
    response = login(client, user.username)
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == reverse("start", kwargs={"role": role.value})
    assert f"{role.label}工作台" in landing.content.decode()


def test_a_person_with_several_roles_starts_at_the_first_and_sees_all_in_the_menu(client, people):
    from django.contrib.auth.models import Group

    people.dispatcher.groups.add(Group.objects.get(name="operator"))
    client.force_login(people.dispatcher)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("start", kwargs={"role": "operator"})
    page = response.content.decode()
    assert reverse("start", kwargs={"role": "dispatcher"}) in page


def test_a_start_page_of_a_role_not_held_is_refused(client, people):
    client.force_login(people.handler_a)
    response = client.get(reverse("start", kwargs={"role": "dispatcher"}))
    assert response.status_code == 403
    assert "派遣员" in response.content.decode()


def test_a_person_without_any_role_is_told_to_ask_the_admin(client, people):
    client.force_login(people.outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "尚未分配岗位角色" in response.content.decode()


def test_an_unknown_role_is_not_found(client, people):
    client.force_login(people.operator)
    assert client.get(reverse("start", kwargs={"role": "mayor"})).status_code == 404


def test_logout_ends_the_session(client, people):
    client.force_login(people.operator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_user_changes_their_password(client, people):
    client.force_login(people.operator)
    response = client.post(
        reverse("password_change"),
        {"old_password": "demo12345", "new_password1": "Xq7!mandarin-duck", "new_password2": "Xq7!mandarin-duck"},
    )
    assert response.status_code == 302
    people.operator.refresh_from_db()
    assert people.operator.check_password("Xq7!mandarin-duck")


def test_a_weak_new_password_is_refused_with_a_reason(client, people):
    client.force_login(people.operator)
    response = client.post(
        reverse("password_change"), {"old_password": "demo12345", "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "密码长度太短" in response.content.decode()
    people.operator.refresh_from_db()
    assert people.operator.check_password("demo12345")


def test_the_user_switches_the_interface_to_english_and_back(client, people):
    client.force_login(people.operator)
    start = reverse("start", kwargs={"role": "operator"})
    assert "受理员工作台" in client.get(start).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": start})
    assert response.status_code == 302
    page = client.get(start).content.decode()
    assert '<html lang="en">' in page
    assert "Operator workspace" in page
    assert "Sign out" in page

    client.post(reverse("set_language"), {"language": "zh-hans", "next": start})
    assert "受理员工作台" in client.get(start).content.decode()


def test_the_login_page_follows_the_browser_language_when_none_was_chosen(client, db):
    page = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_the_admin_is_in_chinese_and_lists_grids(admin_client, city):
    response = admin_client.get(reverse("admin:org_unitgrid_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "单元网格" in page
    assert city.grids[0].code in page
    search = admin_client.get(reverse("admin:org_unitgrid_changelist"), {"q": city.grids[5].code})
    assert city.grids[5].code in search.content.decode()
    assert city.grids[0].code not in search.content.decode()


@pytest.mark.parametrize(
    "name",
    ["org_region", "org_department", "auth_user", "org_workcalendarday", "cases_category", "cases_majorcategory"],
)
def test_every_reference_list_opens_in_the_admin(admin_client, people, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_staff_without_the_admin_role_cannot_open_the_admin(client, people):
    client.force_login(people.operator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("who", "pages"),
    [
        ("operator", ["work:intake", "work:queue", "work:callbacks"]),
        ("dispatcher", ["work:queue", "work:approvals"]),
        ("handler_a", ["work:inbox", "work:notifications"]),
        ("inspector", ["patrols:today", "patrols:tasks", "patrols:notices"]),
        ("leader", ["patrols:figures", "sanitation:scores", "sanitation:sorting_rates"]),
        ("assessor", ["sanitation:ledger_index", "sanitation:inspection_new", "sanitation:sorting_entry"]),
    ],
)
def test_a_start_page_opens_the_workspace_pages_of_its_role(client, people, who, pages):
    person = getattr(people, who, None) or make_person(who, [who])
    client.force_login(person)
    role = {"handler_a": "handler"}.get(who, who)
    page = client.get(reverse("start", kwargs={"role": role})).content.decode()
    for name in pages:
        assert f'href="{reverse(name)}"' in page
    assert 'href="/work/queue/"' not in page or "work:queue" in pages
