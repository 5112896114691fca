"""Who gets in: API tokens, sessions, and nobody else (DOMAIN.md §11)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.cases.conftest import grid_point

TOKEN_URL = "/api/v1/auth/token/"


def test_it_gives_a_token_for_a_good_password_and_the_token_opens_the_api(people):
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": "operator", "password": "demo12345"}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=people.operator).key == key

    again = client.post(TOKEN_URL, {"username": "operator", "password": "demo12345"})
    assert again.json()["token"] == key  # the same token, not a new one each time

    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_it_refuses_a_wrong_password_with_a_clear_message_and_no_token(people):
    response = APIClient().post(TOKEN_URL, {"username": "operator", "password": "wrong-password"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert body["errors"]["non_field_errors"] == [body["detail"]]
    assert not Token.objects.exists()


def test_it_names_the_missing_field_when_asking_for_a_token(people):
    response = APIClient().post(TOKEN_URL, {"username": "operator"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_it_answers_401_without_credentials(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_it_answers_401_for_an_unknown_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/categories/").status_code == 401


def test_it_answers_401_for_reference_lists_too(db):
    assert APIClient().get("/api/v1/regions/").status_code == 401


def test_a_logged_in_browser_session_reads_the_api(people):
    client = APIClient()
    client.force_login(people.operator)
    assert client.get("/api/v1/cases/").status_code == 200


def test_a_session_post_without_csrf_token_is_refused_and_writes_nothing(world):
    from cases.models import Case

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.operator)
    response = client.post("/api/v1/cases/", {"source": "public", "category": "06010", "description": "垃圾"})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_token_request_reads_the_user_profile_and_roles_with_the_token(world):
    """One query authenticates (user, staff profile, role names); none more to know who is asking."""
    token = Token.objects.create(user=world.handler_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    sql = [q["sql"] for q in captured]
    assert "org_staffprofile" in sql[0] and "authtoken_token" in sql[0]
    if connection.vendor == "postgresql":
        assert "auth_group" in sql[0]
        assert not any("auth_group" in q or "org_staffprofile" in q for q in sql[1:])
    # The roles read with the token are the user's: a handler sees only their department's cases.
    assert response.json()["count"] == 0


def test_a_token_of_a_user_without_any_role_opens_nothing(world):
    token = Token.objects.create(user=world.outsider)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cases/").json()["count"] == 0
    body = {"source": "public", "category": "01001", "description": "井盖破损", **grid_point(world.city, 0)}
    assert client.post("/api/v1/cases/", body, format="json").status_code == 403


def test_a_browser_session_reads_the_user_with_profile_and_roles_in_one_query(world):
    client = APIClient()
    client.force_login(world.handler_a)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    sql = [q["sql"] for q in captured]
    user_reads = [q for q in sql if '"auth_user"' in q]
    assert len(user_reads) == 1
    assert "org_staffprofile" in user_reads[0]
    if connection.vendor == "postgresql":
        assert sum("auth_group" in q or "org_staffprofile" in q for q in sql) == 1
