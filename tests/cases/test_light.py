"""Case.light_at (for a case in memory) gives the light CaseQuerySet.with_light gives."""

from datetime import timedelta

import pytest

from cases.models import Case
from tests.cases.conftest import at
from tests.cases.test_api_support import report

NOW = at("2026-11-20 10:00")
HOUR = timedelta(hours=1)


@pytest.mark.parametrize("status", ["filed", "in_progress", "suspended", "closed", "voided"])
@pytest.mark.parametrize(
    ("step_deadline", "step_yellow_at", "suspended_at"),
    [
        (None, None, None),
        (NOW + 2 * HOUR, NOW + HOUR, None),  # green
        (NOW + HOUR, NOW - HOUR, None),  # yellow
        (NOW - HOUR, NOW - 2 * HOUR, None),  # red
        (NOW, NOW, None),  # at the deadline: yellow, not yet red
        (NOW + HOUR, None, None),
        (NOW - HOUR, NOW - 2 * HOUR, NOW - 3 * HOUR),  # suspended while green
        (NOW - HOUR, NOW - 2 * HOUR, NOW - 90 * timedelta(minutes=1)),  # suspended while yellow
        (NOW - 2 * HOUR, NOW - 3 * HOUR, NOW - HOUR),  # suspended while red
    ],
)
def test_the_light_in_memory_is_the_light_of_the_database(
    world, frozen, status, step_deadline, step_yellow_at, suspended_at
):
    case = report(world, frozen)
    Case.objects.filter(pk=case.pk).update(
        status=status, step_deadline=step_deadline, step_yellow_at=step_yellow_at, suspended_at=suspended_at
    )
    stored = Case.objects.with_light(NOW).get(pk=case.pk)
    assert stored.light_at(NOW) == stored.light
