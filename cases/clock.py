"""The time services act at.

Always ``timezone.now()`` in production. ``seed_demo`` generates months of
history through the same services by setting the time explicitly, so that
timelines, deadlines and lights are as consistent as if people had done it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_moment: ContextVar[datetime | None] = ContextVar("citymgmt_case_clock", default=None)


def now() -> datetime:
    return _moment.get() or timezone.now()


@contextmanager
def acting_at(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("acting_at needs an aware datetime")
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
