"""Background import of a large ledger file (more than ``SYNC_ROWS`` rows).

The uploaded file waits in the cache (``store_upload``) between the check, the
confirmation and the worker, so nothing is written to disk or the database
until the confirmed import. Progress lives in the cache under the job id as
``{done, total, state, errors}``; the import page polls it with htmx. State is
one of ``queued``, ``running``, ``done``, ``failed``.
"""

from __future__ import annotations

import uuid

from celery import shared_task
from django.core.cache import cache
from django.utils.translation import gettext as _

from sanitation.excel import apply_rows, check_workbook
from sanitation.ledgers import get_ledger

SYNC_ROWS = 2000
UPLOAD_TTL = 3600
JOB_TTL = 24 * 3600


def store_upload(ledger_slug: str, user_id: int, data: bytes) -> str:
    token = uuid.uuid4().hex
    cache.set(f"sanitation:upload:{token}", {"ledger": ledger_slug, "user": user_id, "data": data}, UPLOAD_TTL)
    return token


def load_upload(token: str, ledger_slug: str, user_id: int) -> bytes | None:
    """The stored file, only for the ledger and the person who uploaded it."""
    stored = cache.get(f"sanitation:upload:{token}") if token.isalnum() else None
    if not stored or stored["ledger"] != ledger_slug or stored["user"] != user_id:
        return None
    return stored["data"]


def forget_upload(token: str) -> None:
    cache.delete(f"sanitation:upload:{token}")


def job_key(job_id: str) -> str:
    return f"sanitation:import-job:{job_id}"


def set_progress(job_id: str, **values) -> dict:
    progress = cache.get(job_key(job_id)) or {"done": 0, "total": 0, "state": "queued", "errors": []}
    progress.update(values)
    cache.set(job_key(job_id), progress, JOB_TTL)
    return progress


def get_progress(job_id: str) -> dict | None:
    return cache.get(job_key(job_id))


@shared_task(acks_late=True)
def import_ledger(job_id: str, ledger_slug: str, token: str, user_id: int) -> dict:
    """Check the stored file again (the database may have changed since the
    preview) and import it all in one transaction, reporting progress by chunk."""
    ledger = get_ledger(ledger_slug)
    data = load_upload(token, ledger_slug, user_id)
    if ledger is None or data is None:
        return set_progress(job_id, state="failed", errors=[_("上传的文件已过期，请重新上传。")])
    set_progress(job_id, state="running")
    check = check_workbook(ledger, data)
    if not check.ok:
        errors = [check.file_error] if check.file_error else []
        errors += [
            _("第 %(line)d 行「%(col)s」：%(reason)s") % {"line": e.line, "col": e.header, "reason": e.reason}
            for e in check.errors[:200]
        ]
        return set_progress(job_id, state="failed", errors=errors)
    total = len(check.rows)
    set_progress(job_id, total=total)
    try:
        created, updated = apply_rows(ledger, check.rows, lambda done, n: set_progress(job_id, done=done, total=n))
    except Exception as error:  # the transaction rolled back: say so rather than spin forever
        set_progress(job_id, state="failed", errors=[str(error)])
        raise
    forget_upload(token)
    return set_progress(job_id, state="done", done=total, total=total, created=created, updated=updated)
