"""Health of the parts a city's command centre depends on (django-health-check).

``/health/``: the database, Redis, a Celery worker (a ping) and beat (the heartbeat task
beat sends every minute stamps the time; older than ``HEALTH_BEAT_STALE_SECONDS`` is
unhealthy). JSON, HTTP 200 when every part is up, 503 when one is not. Without Redis (the
embedded mode) there is no broker, worker or beat: those parts say "embedded".

``/health/ready/``: only what serving pages needs (the database). Intake, case actions and
pages keep working with Redis down (citymgmt/cache.py, citymgmt/outbox.py), so a load
balancer that should not take every app host out of rotation when Redis or a worker is
down probes this one, and monitoring reads ``/health/``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

HEARTBEAT_KEY = "celery:heartbeat"  # written by citymgmt.tasks.heartbeat


def _redis_url() -> str | None:
    return settings.REDIS_URL


@dataclasses.dataclass
class RedisPing(HealthCheck):
    """PING with short timeouts (the broker and the cache are this Redis)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def __repr__(self) -> str:
        return "redis"

    def run(self) -> None:
        import redis

        seconds = self.timeout.total_seconds()
        client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            client.ping()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as error:
            raise ServiceUnavailable(f"Redis unreachable ({type(error).__name__})") from error
        finally:
            client.close()


@dataclasses.dataclass
class WorkerPing(Ping):
    """django-health-check's Celery ping (every queue must have a worker), on a connection
    of its own that gives up at once when the broker is down instead of retrying."""

    def __repr__(self) -> str:
        return "celery"

    def run(self) -> None:
        seconds = self.timeout.total_seconds()
        options = {"socket_connect_timeout": seconds, "socket_timeout": seconds, "max_retries": 0}
        try:
            with self.app.connection_for_write(transport_options=options) as connection:
                connection.ensure_connection(max_retries=0, timeout=seconds)
                replies = self.app.control.ping(timeout=seconds, limit=self.limit, connection=connection)
        except Exception as error:  # kombu raises many kinds
            raise ServiceUnavailable(f"Celery broker unreachable ({type(error).__name__})") from error
        if not replies:
            raise ServiceUnavailable("No Celery worker answered")
        self.check_active_queues(*self.active_workers(replies))


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Beat sends ``citymgmt.tasks.heartbeat`` every minute and a worker stamps the time."""

    def __repr__(self) -> str:
        return "beat"

    def run(self) -> None:
        stamp = cache.get(HEARTBEAT_KEY)
        beat = parse_datetime(stamp) if isinstance(stamp, str) else None
        if beat is None:
            raise ServiceUnavailable("No heartbeat from beat yet")
        age = (timezone.now() - beat).total_seconds()
        if age > settings.HEALTH_BEAT_STALE_SECONDS:
            raise ServiceUnavailable(f"Last heartbeat {int(age)} s ago")


@dataclasses.dataclass
class DatabaseCheck(Database):
    def __repr__(self) -> str:
        return "database" if self.alias == "default" else f"database:{self.alias}"


class HealthView(HealthCheckView):
    """JSON always: ``{"status": "ok" | "unavailable", "checks": {part: {"status", …}}}``."""

    with_background = True

    def get_checks(self):
        yield DatabaseCheck()
        if _redis_url() and self.with_background:
            timeout = datetime.timedelta(seconds=settings.HEALTH_CELERY_TIMEOUT)
            yield RedisPing()
            yield WorkerPing(timeout=timeout)
            yield BeatHeartbeat()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        checks = {
            repr(result.check): {"status": "unavailable", "error": str(result.error)}
            if result.error
            else {"status": "ok", "ms": round(result.time_taken * 1000, 1)}
            for result in self.results
        }
        if self.with_background and not _redis_url():
            checks.update({part: {"status": "embedded"} for part in ("redis", "celery", "beat")})
        healthy = not any(result.error for result in self.results)
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
        )


class ReadyView(HealthView):
    with_background = False
