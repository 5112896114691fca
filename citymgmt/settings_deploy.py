"""Settings of issue 9 (deploy), imported at the end of citymgmt/settings.py.

Reads what settings.py defined (`from citymgmt.settings import NAME`) and re-binds names.
A read replica for the dashboards and reports, and Celery queues split by kind
(docs/deploy.md).
"""

from kombu import Queue

from citymgmt.env import env_database, env_str
from citymgmt.settings import DATABASES

# --- Read replica ---------------------------------------------------------------------
# DATABASE_REPLICA_URL (optional): a PostgreSQL streaming replica of DATABASE_URL. Dashboard
# and report reads go there (citymgmt/routers.py); writes, migrations and every other read
# stay on the primary. Unset: one database, no router, nothing changes.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES = {
        **DATABASES,
        # In tests the replica is the test database itself (no second test database).
        "replica": {**env_database("DATABASE_REPLICA_URL", ""), "TEST": {"MIRROR": "default"}},
    }
    DATABASE_ROUTERS = ["citymgmt.routers.ReplicaRouter"]

# --- Celery queues by kind --------------------------------------------------------------
# Three queues, so that on several hosts a worker can take one kind of work (`celery worker
# -Q stats`): a month-end rebuild of the statistics never delays the side effects of intake.
#   default    intake side effects and everything else (supervision scan, calendar, patrols,
#              ledger imports, heartbeat, the outbox)
#   stats      the statistics writer, open cases by light, the monthly freeze
#   bulletins  每日一通报
# A worker started without -Q (make run, the single-host unit) consumes every queue listed
# in CELERY_TASK_QUEUES, so one worker still does all the work.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("stats"), Queue("bulletins"))
CELERY_TASK_ROUTES = {
    "reports.tasks.refresh_stats": {"queue": "stats"},
    "reports.tasks.refresh_open_cases": {"queue": "stats"},
    "reports.tasks.freeze_assessments": {"queue": "stats"},
    "reports.tasks.daily_bulletin": {"queue": "bulletins"},
}
