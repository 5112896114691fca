"""Reference data kept in each process and rebuilt when any process changes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


class ProcessCache(Generic[T]):
    """A value built from the database once per process, for data read on
    every request and changed a few times a year (grids, categories).

    ``forget()`` drops this process's copy and bumps a version in the shared
    cache (Redis when configured); other processes read that version at most
    every ``check_seconds`` and rebuild when it moved. Call ``forget()`` from
    the signals of the models the value is built from, and after bulk writes,
    which send none.
    """

    def __init__(self, version_key: str, build: Callable[[], T], check_seconds: float = 5):
        self.version_key = version_key
        self.build = build
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._held: tuple[T, object, float] | None = None  # (value, version, checked at)

    def get(self) -> T:
        now = time.monotonic()
        with self._lock:
            if self._held is not None and now - self._held[2] < self.check_seconds:
                return self._held[0]
        version = cache.get(self.version_key, 0)
        with self._lock:
            if self._held is not None and self._held[1] == version:
                self._held = (self._held[0], version, now)
                return self._held[0]
        built = self.build()
        with self._lock:
            self._held = (built, version, now)
        return built

    def forget(self) -> None:
        with self._lock:
            self._held = None
        try:
            cache.incr(self.version_key)
        except ValueError:
            cache.set(self.version_key, 1, timeout=None)
