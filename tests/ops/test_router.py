"""The database router as the settings install it, in a process of its own per environment:
with DATABASE_REPLICA_URL, which alias each query uses; without it, nothing changes."""

import json
import subprocess
import sys

from tests.ops.conftest import ROOT, app_env

ROOT_DB = "postgres"  # the maintenance database: the probe opens a transaction, reads no table

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.db import transaction

from cases.models import Case
from citymgmt.routers import primary
from reports.models import AssessmentScheme, CaseChange, DailyBulletin, Figure, Ranking, StatsMonth

def reads():
    return {model.__name__: model.objects.all().db for model in (Figure, Ranking, StatsMonth, DailyBulletin,
            Case, CaseChange, AssessmentScheme)}

out = {"aliases": sorted(settings.DATABASES), "routers": settings.DATABASE_ROUTERS, "reads": reads()}
with primary():
    out["reads_in_primary"] = reads()
    with primary():
        pass
    out["reads_after_nested"] = reads()
out["reads_after_primary"] = reads()
with transaction.atomic():
    out["reads_in_transaction"] = reads()
from django.db import router
out["write_alias"] = router.db_for_write(Figure)
out["migrate"] = {alias: router.allow_migrate_model(alias, Figure) for alias in settings.DATABASES}
if "replica" in settings.DATABASES:
    out["replica_test_mirror"] = settings.DATABASES["replica"]["TEST"]["MIRROR"]
print(json.dumps(out))
"""


def probe(replica: str | None) -> dict:
    env = app_env(ROOT_DB, replica)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_a_replica_reports_read_it_and_everything_else_uses_the_primary():
    found = probe(replica="postgres")
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["citymgmt.routers.ReplicaRouter"]
    on_replica = {"Figure": "replica", "Ranking": "replica", "StatsMonth": "replica", "DailyBulletin": "replica"}
    on_primary = {"Case": "default", "CaseChange": "default", "AssessmentScheme": "default"}
    assert found["reads"] == {**on_replica, **on_primary}
    everything_primary = dict.fromkeys(found["reads"], "default")
    assert found["reads_in_primary"] == everything_primary
    assert found["reads_after_nested"] == everything_primary  # an inner primary() does not end the outer one
    assert found["reads_after_primary"] == found["reads"]
    assert found["reads_in_transaction"] == everything_primary
    assert found["write_alias"] == "default"
    assert found["migrate"] == {"default": True, "replica": False}
    assert found["replica_test_mirror"] == "default"


def test_without_a_replica_nothing_changes():
    found = probe(replica=None)
    assert found["aliases"] == ["default"] and found["routers"] == []
    assert set(found["reads"].values()) == {"default"}
    assert found["migrate"] == {"default": True}
