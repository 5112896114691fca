"""Structured logs: JSON lines with a request id, the user's id and never a caller's
phone, name or e-mail address; the request id comes back as X-Request-ID; a Celery
task's lines carry its id."""

import io
import json
import logging
import logging.config
import re

import pytest
from django.conf import settings as django_settings

from citymgmt import outbox
from citymgmt.logs import logging_config, mask_personal_data
from citymgmt.models import OutboxMessage
from citymgmt.tasks import drain_outbox
from tests.public.conftest import report_form
from tests.reliability.conftest import wait_for, worker_answers
from tests.reliability.test_redis_down import api, hotline

PHONE, PUBLIC_PHONE, EMAIL = "13912345678", "13712345678", "li.si@example.org"


@pytest.fixture
def json_log():
    """The project's LOGGING with LOG_FORMAT=json, its console handler writing here."""
    logging.config.dictConfig(logging_config("json", "INFO"))
    stream = io.StringIO()
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    handler.setStream(stream)
    try:
        yield stream
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("来电 13812345678 反映", "来电 138****5678 反映"),
        ("tel:+86 13812345678.", "tel:+86********5678."),
        ("座机0571-87654321", "座机057******4321"),
        ("身份证 33010619900101123X", "身份证 330***********123X"),
        ("mail li.si@example.org now", "mail ***@*** now"),
        # Not personal: a 13-digit case number, a 15-digit grid code, a hex request id.
        ("case 2026112200001 grid 339901001001001", "case 2026112200001 grid 339901001001001"),
        ("id 3f13812345678aa0c", "id 3f13812345678aa0c"),
    ],
)
def test_the_filter_masks_phones_ids_and_mail_addresses(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.django_db
def test_json_lines_carry_the_request_id_and_never_the_callers_data(client, world, media_root, json_log):
    response = api(world.operator).post(
        "/api/v1/cases/", hotline(world, caller_phone=PHONE, caller_name="赵六"), format="json"
    )
    assert response.status_code == 201
    api_request_id = response["X-Request-ID"]
    public = client.post("/report/", report_form(world, caller_phone=PUBLIC_PHONE, email=EMAIL))
    assert public.status_code == 303
    # Django logs a 404 with the request, whose query string holds a search for a caller.
    assert client.get(f"/no-such-page/?q=王先生&phone={PHONE}").status_code == 404
    # Code that does log personal data by mistake, with an error: masked all the same.
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        logging.getLogger("cases").exception("intake of %s by %s failed", PHONE, EMAIL)

    output = json_log.getvalue()
    for secret in (PHONE, PUBLIC_PHONE, EMAIL, "赵六", "王先生"):
        assert secret not in output
    records = lines(json_log)
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    requests = {r["path"]: r for r in records if r["logger"] == "citymgmt.request"}
    api_line, public_line = requests["/api/v1/cases/"], requests["/report/"]
    assert (api_line["request_id"], api_line["status"], api_line["method"]) == (api_request_id, 201, "POST")
    assert api_line["user_id"] == world.operator.pk and isinstance(api_line["duration_ms"], float)
    assert (public_line["request_id"], public_line["status"], public_line["user_id"]) == (
        public["X-Request-ID"],
        303,
        None,
    )
    assert any(r["logger"] == "django.request" and r["message"] == "Not Found: /no-such-page/" for r in records)
    (error,) = [r for r in records if r["logger"] == "cases"]
    assert error["message"] == "intake of 139****5678 by ***@*** failed"
    assert "bad phone 139****5678" in error["exc"] and error["level"] == "ERROR"


@pytest.mark.django_db
def test_an_incoming_request_id_is_kept_when_well_formed_and_replaced_otherwise(client, json_log):
    assert client.get("/health/ready/", HTTP_X_REQUEST_ID="lb-7f3a9c01-req")["X-Request-ID"] == "lb-7f3a9c01-req"
    replaced = client.get("/health/ready/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert client.get("/health/ready/")["X-Request-ID"] != replaced


@pytest.mark.django_db(transaction=True)  # the worker reads the outbox row the test wrote
def test_a_celery_task_logs_json_lines_with_its_task_id(on_redis, workers):
    workers.start(on_redis.url, env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    wait_for(worker_answers, what="the worker to answer")
    outbox.store("citymgmt.tasks.ping")
    result = drain_outbox.apply_async(ignore_result=True)
    wait_for(lambda: not OutboxMessage.objects.exists(), what="the worker's drain")

    def drained():
        found = [line for line in workers.output().splitlines() if "Outbox: 1 waiting" in line]
        return found and json.loads(found[0])

    line = wait_for(drained, timeout=10, what="the drain's log line")
    assert (line["task_id"], line["task_name"], line["level"]) == (result.id, "citymgmt.tasks.drain_outbox", "INFO")
