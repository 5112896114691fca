"""Who gets in: API tokens, sessions, and nobody else (DOMAIN.md §11)."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
