"""API fuzzing (issue 9): schemathesis against /api/schema/, in-process.

Every operation of the OpenAPI schema the app serves is called with generated
requests (schema examples, boundary values and random valid and invalid
bodies, queries and path parameters, mixed with the numbers and ids of real
objects) by three people: the duty officer (operator + shift leader +
dispatcher), a handler and a district leader. Each response must not be a 5xx
and must be what the schema says: a documented status code, content type and
body.

Requests go through Django's WSGI handler (no network, no server) inside the
test's transaction, each one rolled back, so every example meets the same
world (tests/api/conftest.py). No operation is excluded.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# A bounded run for CI. The duty officer gets every phase: the schema's own
# examples, the coverage phase (every boundary and invalid value the schema
# implies for each parameter and body field, about 45 requests an operation,
# role-independent) and EXAMPLES random requests; the handler and the leader,
# whose answers differ by scope and role, get the random requests.
EXAMPLES = 10
COMMON = {"max_examples": EXAMPLES, "deadline": None, "derandomize": True, "suppress_health_check": list(HealthCheck)}
EVERY_PHASE = settings(**COMMON, phases=[Phase.explicit, Phase.generate, Phase.shrink])
RANDOM_ONLY = settings(**COMMON, phases=[Phase.generate, Phase.shrink])

# The schema as the app serves it. Loading it needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _one_connection_for_the_test():
    """As Django's test client does: no "old connection" check around each
    request, which would close the connection holding the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


_world = {}


@pytest.fixture(autouse=True)
def _fuzz_world_for_hooks(fuzz_world):
    _world["real"] = fuzz_world.real
    yield
    _world.clear()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, a real case number, code or id instead of a guessed one,
    so detail and action endpoints get past the 404."""
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    # Schema examples are drawn when the tests are collected, before any world.
    for prefix, by_name in _world.get("real", {}).items():
        if path.startswith(prefix):
            for name, values in by_name.items():
                if name in path_parameters and values:
                    real = st.sampled_from(values).map(lambda v, name=name: {**path_parameters, name: v})
                    return st.one_of(st.just(path_parameters), real)
    return st.just(path_parameters)


def call_and_check(case, token: str):
    headers = {"Authorization": f"Token {token}"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.parametrize()
@EVERY_PHASE
def test_duty_officer(case, fuzz_world):
    call_and_check(case, fuzz_world.tokens["duty"])


@schema.parametrize()
@RANDOM_ONLY
def test_handler(case, fuzz_world):
    call_and_check(case, fuzz_world.tokens["handler_a"])


@schema.parametrize()
@RANDOM_ONLY
def test_district_leader(case, fuzz_world):
    call_and_check(case, fuzz_world.tokens["leader"])
