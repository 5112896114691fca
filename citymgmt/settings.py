"""Django settings for citymgmt.

Everything that differs between a laptop and a city's servers comes from the
environment (see README, "Configuration"). The defaults are the embedded local
mode: SQLite in the project folder, Celery tasks run in-process, DEBUG on.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from citymgmt.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_timezone,
)
from citymgmt.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-local-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false (50+ random characters).")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_ratelimit",
    "citymgmt",
    "org",
    "cases",
    "patrols",
    "sanitation",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "citymgmt.urls"
WSGI_APPLICATION = "citymgmt.wsgi.application"
ASGI_APPLICATION = "citymgmt.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "org.context_processors.staff",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
# Django's password check; the session's user comes with profile and roles (one query).
AUTHENTICATION_BACKENDS = ["citymgmt.authentication.StaffBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)  # one working day

# --- Languages and time -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files (front-end libraries come from npm's node_modules) ----------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES / "leaflet.markercluster" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_AUTOREFRESH = DEBUG  # development: serve from the finders, no collectstatic needed
MEDIA_URL = "media/"
# Uploaded photos live outside the code tree (never served as static files: only through
# views that check who may see them). Default: $XDG_DATA_HOME/citymgmt/media.
_DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(_DATA_HOME / "citymgmt" / "media")))
# SQLite (the embedded mode) builds covering indexes without their INCLUDE columns, which is
# what a small embedded database needs; do not warn about it on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Map background of the workspace pages: a tile URL such as https://tile.example.org/{z}/{x}/{y}.png
# and its attribution. Empty (the default, and offline): the pages draw the grids without tiles.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "citymgmt.authentication.ProfileTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "citymgmt.api.ApiPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error body for every view: CaseError → 409/403/400, validation → {detail, errors}.
    "EXCEPTION_HANDLER": "citymgmt.api.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "citymgmt API",
    "DESCRIPTION": "数字城管 / 城市运行管理服务平台 REST API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,  # multipart uploads need request components of their own
    # Swagger UI and ReDoc from the drf-spectacular-sidecar package: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, wherever it appears (spectacular warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Status",
        "CategoryKindEnum": "cases.models.CategoryKind",
        "CaseRequestKindEnum": "cases.models.CaseRequest.Kind",
        "DepartmentKindEnum": "org.models.Department.Kind",
        "RegionLevelEnum": "org.models.Region.Level",
        "TimeUnitEnum": "org.worktime.TimeUnit",
    },
}

# --- Background work ----------------------------------------------------------
# With REDIS_URL unset, tasks run in-process the moment they are sent (the
# embedded mode of `make run`); with it set, a Celery worker and beat do them.
REDIS_URL = env_redis_url("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Rate limits of the public channel (django-ratelimit, counted in the cache above).
# Its checks know only memcached and django-redis: Django's own RedisCache
# increments atomically too, and without Redis the one `make run` process counts
# in its own memory, which is exact for it.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001", "django_ratelimit.E003"]
OPEN311_RATE_PER_KEY = env_str("OPEN311_RATE_PER_KEY", "120/m")  # POST requests per API key
OPEN311_RATE_PER_IP = env_str("OPEN311_RATE_PER_IP", "30/m")  # POST requests per client address
PUBLIC_REPORT_RATE_PER_IP = env_str("PUBLIC_REPORT_RATE_PER_IP", "10/h")  # reports from the public page
PUBLIC_FEEDBACK_RATE_PER_IP = env_str("PUBLIC_FEEDBACK_RATE_PER_IP", "20/h")  # "has it been fixed?" answers
# Open311 discovery: whom other systems ask, and how they get an API key (empty: a default text).
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # with a host: kombu warns about none on first use
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-run is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE  # copied into the database by the scheduler at start-up

# --- Working time (DOMAIN.md §5) ----------------------------------------------
# Working periods of a working day, local time. The calendar of working days is
# the org.WorkCalendarDay table (seeded from chinesecalendar, edited by admins).
WORK_PERIODS = [("08:30", "12:00"), ("13:00", "17:30")]

# --- Logging ------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# --- Production hardening (passes `manage.py check --deploy`) ------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


# --- Issue 9: hardening, operations, deployment (one module per topic) ---------------
from citymgmt.settings_deploy import *  # noqa: E402, F403  read replica, task queues
from citymgmt.settings_ops import *  # noqa: E402, F403  logging, cache, health, connections
from citymgmt.settings_security import *  # noqa: E402, F403  login, sessions, headers, CSP
