"""The inspector's verification and check tasks (核实 / 核查), answered on site."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Status
from tests.cases.conftest import case_in, photo
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_it_lists_the_inspectors_verify_and_check_tasks_and_not_others(client, world, media_root):
    verifying = case_in(Status.VERIFYING, world, grid=1)
    checking = case_in(Status.CHECKING, world, grid=2)
    other = make_person("inspector2", ["inspector"])
    elsewhere = case_in(Status.REPORTED, world, grid=5)
    elsewhere = services.case_verify_request(case=elsewhere, by=world.operator, inspector=other)
    dispatched = case_in(Status.DISPATCHED, world, grid=1)
    client.force_login(world.inspector)
    response = client.get(reverse("patrols:tasks"))
    html = response.content.decode()
    assert response.status_code == 200
    assert verifying.number in html and checking.number in html
    assert elsewhere.number not in html and dispatched.number not in html
    # Each answers with the shared action form, back to this page.
    assert f'action="/work/cases/{verifying.number}/verify-reply/"' in html
    assert f'action="/work/cases/{checking.number}/check-pass/"' in html
    assert f'action="/work/cases/{checking.number}/check-fail/"' in html
    assert 'name="next" value="/patrols/tasks/"' in html
    assert "剩余" in html or "超期" in html

    client.force_login(other)
    html = client.get(reverse("patrols:tasks")).content.decode()
    assert elsewhere.number in html and verifying.number not in html


def test_a_check_answered_from_the_tasks_page_comes_back_here(client, world, media_root):
    checking = case_in(Status.CHECKING, world, grid=2)
    client.force_login(world.inspector)
    url = reverse("work:case_action", kwargs={"number": checking.number, "action": "check-pass"})
    response = client.post(url, {"next": "/patrols/tasks/", "photos": photo()})
    assert response.status_code == 302 and response.url == "/patrols/tasks/"
    checking.refresh_from_db()
    assert checking.status == Status.CHECKED
    html = client.get(reverse("patrols:tasks")).content.decode()
    assert f'data-number="{checking.number}"' not in html and 'id="tasks-empty"' in html


def test_the_query_count_does_not_grow_with_the_rows(client, world, media_root):
    client.force_login(world.inspector)
    case_in(Status.VERIFYING, world, grid=0)
    client.get(reverse("patrols:tasks"))  # warm the process's reference copies
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("patrols:tasks")).status_code == 200
    for grid in (1, 2, 3, 1):
        case_in(Status.VERIFYING, world, grid=grid)
        case_in(Status.CHECKING, world, grid=grid)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("patrols:tasks")).content.decode()
    assert html.count('class="card shadow-sm inspector-task"') == 9
    assert len(many.captured_queries) == len(one.captured_queries)
