"""Settings of issue 9 (ops), imported at the end of citymgmt/settings.py.

Reads what settings.py defined (`from citymgmt.settings import NAME`) and re-binds names:
structured logs, a cache that survives a dead Redis, rate limits that fail open, the
request id, the health endpoint. Database connection health checks and persistence are
in citymgmt/env.py (CONN_MAX_AGE, CONN_HEALTH_CHECKS).
"""

from django.core.exceptions import ImproperlyConfigured

from citymgmt.env import env_str
from citymgmt.logs import logging_config
from citymgmt.settings import CACHES, DEBUG, LOG_LEVEL, MIDDLEWARE, REDIS_URL

# --- Logs -------------------------------------------------------------------------------
# LOG_FORMAT=json (default in production: one JSON object a line with timestamp, level,
# logger, message, request_id, user_id, task_id) or plain (default with DEBUG, `make run`).
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not one of json, plain.")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)

# First: the request id covers every other middleware, redirects and refusals included.
MIDDLEWARE = ["citymgmt.middleware.RequestIdMiddleware", *MIDDLEWARE]

# --- Cache ------------------------------------------------------------------------------
# Redis down must not stop intake, case actions or pages: connection errors are cache
# misses (citymgmt/cache.py), found out within half a second, retried every 5 s.
if REDIS_URL:
    CACHES = {
        **CACHES,
        "default": {
            "BACKEND": "citymgmt.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2, "RETRY_SECONDS": 5},
        },
    }
# A rate limit the cache cannot count lets the request through (public page, Open311).
RATELIMIT_FAIL_OPEN = True

# --- Health (/health/, citymgmt/health.py) ------------------------------------------------
HEALTH_CELERY_TIMEOUT = 1.0  # seconds a worker has to answer the ping
HEALTH_BEAT_STALE_SECONDS = 180  # beat sends a heartbeat every minute; three missed: down
# A load balancer probes over plain HTTP on the private network: no redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
