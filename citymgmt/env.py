"""Reading configuration from environment variables.

Every helper fails with ImproperlyConfigured naming the variable, so a typo in a
deployment stops start-up with a message instead of running with a surprise
(the approach of healthchecks' ``envbool``).
"""

import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of: true, false, 1, 0, yes, no.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name}={value!r} lists nothing; give comma-separated values.")
    return items


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone (e.g. Asia/Shanghai).") from None
    return value


def env_database(name: str, default: str) -> dict[str, Any]:
    """Parse a database URL; only PostgreSQL and SQLite are supported."""
    value = env_str(name, default)
    # Persistent connections, checked before each request's first query (and dropped when
    # PostgreSQL restarted or killed them), so the app reconnects by itself.
    conn_max_age = env_int("CONN_MAX_AGE", 60, minimum=0)
    conn_health_checks = env_bool("CONN_HEALTH_CHECKS", True)
    try:
        config = dj_database_url.parse(value, conn_max_age=conn_max_age, conn_health_checks=conn_health_checks)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a database URL ({exc}).") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(f"{name}={value!r}: only postgres:// and sqlite:/// URLs are supported.")
    if engine.endswith("sqlite3"):
        # SQLite cannot keep connections across threads usefully; close per request.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={value!r} names no database (…/dbname).")
    return config


def env_redis_url(name: str) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={value!r} is not a Redis URL (redis://host:port/db).")
    return value
