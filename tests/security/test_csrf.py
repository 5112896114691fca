"""CSRF on every form: each POST form carries the token, and a POST without it is refused.

Exempt by design, because they take no cookies: the API token endpoint (user name and password
in the body, no session authentication) and Open311 POST (an api_key in the body). The rest of
the API accepts a session only with the X-CSRFToken header (DRF's SessionAuthentication).
"""

from html.parser import HTMLParser

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.cases.conftest import case_in
from tests.public.conftest import old_stamp, report_form
from tests.security.matrix import COLUMNS, path_of, person, routes, url_kwargs

pytestmark = pytest.mark.django_db

# Pages are everything but the API, Open311, the health check, the admin (its own test below)
# and routes that only take a POST.
NOT_PAGES = ("api/", "open311/", "health/", "admin/", "i18n/")


class Forms(HTMLParser):
    """The POST forms of a page and whether each has a csrfmiddlewaretoken field."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None
        self.htmx_writes = False
        self.htmx_csrf_header = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if any(name in attrs for name in ("hx-post", "hx-put", "hx-patch", "hx-delete")):
            self.htmx_writes = True
        if "X-CSRFToken" in (attrs.get("hx-headers") or ""):
            self.htmx_csrf_header = True
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = {"id": attrs.get("id") or attrs.get("action") or "?", "token": False}
            self.forms.append(self._open)
        elif tag == "form":
            self._open = None
        if tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = bool(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def page_paths(scene) -> list[str]:
    paths = []
    for route in routes():
        if route.pattern.startswith(NOT_PAGES) or route.pattern in ("api/schema/", "api/docs/"):
            continue
        paths.append(path_of(route, url_kwargs(route, scene)))
    return sorted(set(paths))


def test_every_post_form_of_every_page_carries_the_csrf_token_for_every_role(scene):
    clients = {}
    for column in COLUMNS:
        client = Client()
        if person(scene, column) is not None:
            client.force_login(person(scene, column))
        clients[column] = client

    seen_forms, seen_pages, missing = 0, set(), []
    for path in page_paths(scene):
        for column, client in clients.items():
            response = client.get(path, REMOTE_ADDR="10.7.0.1")
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            parser = Forms()
            parser.feed(response.content.decode())
            seen_pages.add(path)
            for form in parser.forms:
                seen_forms += 1
                if not form["token"]:
                    missing.append(f"{column} {path} form {form['id']}")
            if parser.htmx_writes and not parser.htmx_csrf_header and "<html" in response.content.decode():
                missing.append(f"{column} {path}: hx-post without the X-CSRFToken header")
            # A signed-out view (logout link) must not end our client's session for later pages.
            if person(scene, column) is not None and "_auth_user_id" not in client.session:
                client.force_login(person(scene, column))

    assert not missing, "\n".join(missing)
    # The walk really saw the pages with forms: the workspace, the public pages, the login page.
    for page in ("/accounts/login/", "/work/intake/", f"/work/cases/{scene.case.number}/", "/report/"):
        assert page in seen_pages
    assert seen_forms > 100


def test_the_admins_forms_carry_the_token(people):
    client = Client()
    client.force_login(people.admin)
    for path in ("/admin/", "/admin/auth/user/add/", "/admin/axes/accessattempt/", "/admin/authtoken/tokenproxy/"):
        response = client.get(path)
        assert response.status_code == 200, path
        parser = Forms()
        parser.feed(response.content.decode())
        assert all(form["token"] for form in parser.forms), path


# --- a POST without the token is refused -------------------------------------------------------------


def test_the_login_form_refuses_a_post_without_the_token(people):
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/accounts/login/", {"username": "operator", "password": "demo12345"})
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    # The same post with the token from the page signs in: the check, not the form, refused.
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/accounts/login/", {"username": "operator", "password": "demo12345", "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_intake_form_refuses_a_post_without_the_token(world):
    from cases.models import Case

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    response = client.post(
        "/work/intake/",
        {"source": "hotline", "category": "06010", "description": "垃圾", "lat": "30.2005", "lng": "120.1005"},
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_case_action_refuses_a_post_without_the_token(world):
    case = case_in("reported", world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.shift_leader)
    response = client.post(f"/work/cases/{case.number}/file/", {"comment": "立案"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "reported"


def test_the_public_report_refuses_a_post_without_the_token(world, media_root):
    from cases.models import Case

    client = Client(enforce_csrf_checks=True)
    response = client.post("/report/", {**report_form(world), "stamp": old_stamp()})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_token_endpoint_needs_no_csrf_token_by_design(people):
    """It takes a password, not a cookie: a browser's session cookie adds no authority."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.operator)
    response = client.post("/api/v1/auth/token/", {"username": "operator", "password": "demo12345"}, format="json")
    assert response.status_code == 200
