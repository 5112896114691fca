"""Settings come from the environment and refuse bad values at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#k2@Lq9!vR4$wZ8^mN3&pT6*yB1(cF5)hJ0-sD2+gA7=eU4~iO9",
    "ALLOWED_HOSTS": "citymgmt.example.org",
}


def manage(*args: str, env: dict[str, str | None] | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, so settings are read anew."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_it_boots_and_migrates_on_sqlite_by_default(tmp_path):
    url = f"sqlite:///{tmp_path / 'boot.sqlite3'}"
    result = manage("migrate", "--no-input", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "boot.sqlite3").stat().st_size > 0
    shown = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; print(connection.vendor)",
        env={"DATABASE_URL": url},
    )
    assert shown.stdout.strip() == "sqlite"


def test_it_boots_on_postgresql(db):
    from django.db import connection

    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from org.models import Region; from django.db import connection; "
        "print(connection.vendor, Region.objects.count())",
        env={"DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgresql", "0"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL='mysql://root@localhost/x'"),
        ("DATABASE_URL", "not a url", "DATABASE_URL="),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a Redis URL"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ("SESSION_COOKIE_AGE", "soon", "SESSION_COOKIE_AGE='soon' is not a whole number"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD'"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, message):
    result = manage("check", env={variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_needs_a_strong_secret_key():
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": None})
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_passes_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_without_redis_tasks_run_in_process_and_with_it_go_to_the_broker():
    script = "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    embedded = manage("shell", "--no-imports", "-c", script, env={"REDIS_URL": None})
    assert embedded.stdout.split() == ["True", "memory://localhost/"]
    broker = manage("shell", "--no-imports", "-c", script, env={"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert broker.stdout.split() == ["False", "redis://127.0.0.1:6379/3"]


def test_without_redis_a_task_runs_in_process_without_a_broker_warning():
    """kombu warned "No hostname was supplied" on the first task of every process."""
    script = (  # a built-in task that needs no database
        "from citymgmt import outbox; from citymgmt.celery import app; "
        "print(outbox.send(app.tasks['celery.backend_cleanup']))"
    )
    embedded = manage("shell", "--no-imports", "-c", script, env={"REDIS_URL": None, "LOG_LEVEL": "INFO"})
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.split()[-1] == "run"
    assert "succeeded" in embedded.stderr + embedded.stdout  # the task ran, and logged it
    assert "No hostname" not in embedded.stderr + embedded.stdout


def test_the_time_zone_is_shanghai_and_aware(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
