"""A Redis cache that a dead Redis cannot take down.

Django's RedisCache raises on every call while Redis is unreachable, and the cache is on
the path of intake (rate limits), case actions (the statistics refresh request) and every
dashboard. Nothing citymgmt keeps in the cache is the only copy of anything that matters
(figures, queues and cases are in PostgreSQL), so while Redis is unreachable this cache
behaves as Django's DummyCache: reads miss, writes are dropped, ``add`` says it added,
``incr`` finds no key. After a connection error it does not try Redis again for
``RETRY_SECONDS`` (a request then costs nothing extra, even when Redis hangs instead of
refusing), and it says so in the log at most once a minute per process.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("citymgmt.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
LOG_EVERY_SECONDS = 60

# Per process and per Redis location: Django makes one cache object per thread, and a
# dead Redis is dead for all of them.
_lock = threading.Lock()
_down_until: dict[str, float] = {}
_last_logged: dict[str, float] = {}


class _Unreachable(Exception):
    """Redis is known to be unreachable for a few more seconds."""


class TolerantRedisCache(RedisCache):
    """RedisCache whose connection errors are cache misses (see the module docstring).

    OPTIONS: ``RETRY_SECONDS`` (default 5) besides redis-py's own options, such as
    ``socket_connect_timeout`` and ``socket_timeout`` (seconds).
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._where = ",".join(self._servers)

    # --- the circuit ----------------------------------------------------------------------

    def _call(self, name: str, *args):
        now = time.monotonic()
        if _down_until.get(self._where, 0) > now:
            raise _Unreachable
        try:
            return getattr(super(), name)(*args)
        except UNREACHABLE as error:
            self._went_down(error, now)
            raise _Unreachable from error

    def _went_down(self, error: BaseException, now: float) -> None:
        with _lock:
            _down_until[self._where] = now + self.retry_seconds
            log = now - _last_logged.get(self._where, -LOG_EVERY_SECONDS) >= LOG_EVERY_SECONDS
            if log:
                _last_logged[self._where] = now
        if log:
            logger.warning(
                "Redis cache unreachable (%s): serving without the cache, retrying every %gs",
                type(error).__name__,
                self.retry_seconds,
            )
        # A pooled connection to a restarted Redis is dead: start the next try afresh.
        try:
            for pool in self._cache._pools.values():
                pool.disconnect()
        except Exception:  # best effort; the next call reconnects anyway
            pass

    @property
    def reachable(self) -> bool:
        """False while this process knows Redis to be down."""
        return _down_until.get(self._where, 0) <= time.monotonic()

    # --- the cache API, as DummyCache while Redis is unreachable ----------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call("add", key, value, timeout, version)
        except _Unreachable:
            return True

    def get(self, key, default=None, version=None):
        try:
            return self._call("get", key, default, version)
        except _Unreachable:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call("set", key, value, timeout, version)
        except _Unreachable:
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call("touch", key, timeout, version)
        except _Unreachable:
            return False

    def delete(self, key, version=None):
        try:
            return self._call("delete", key, version)
        except _Unreachable:
            return False

    def get_many(self, keys, version=None):
        try:
            return self._call("get_many", keys, version)
        except _Unreachable:
            return {}

    def has_key(self, key, version=None):
        try:
            return self._call("has_key", key, version)
        except _Unreachable:
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return self._call("incr", key, delta, version)
        except _Unreachable:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).") from None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call("set_many", data, timeout, version)
        except _Unreachable:
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            return self._call("delete_many", keys, version)
        except _Unreachable:
            return None

    def clear(self):
        try:
            return self._call("clear")
        except _Unreachable:
            return False
