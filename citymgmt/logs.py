"""Structured logs: one JSON object a line in production, plain lines for `make run`.

Every line carries the request id (citymgmt/middleware.py) and the acting user's id
(never a name) when it is written during a request, and the task id and name when it is
written by a Celery task. ``PersonalDataFilter`` masks phone numbers, ID numbers and
e-mail addresses in every message, argument and traceback, as defence in depth: code
should not log personal data in the first place (DOMAIN.md §10).
"""

from __future__ import annotations

import contextvars
import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

# Digits glued to letters (hex ids, tokens) are not phone numbers; digits next to Chinese
# text, punctuation or spaces are. Mobile numbers (optionally +86), landlines with an area
# code, 18-character ID numbers.
_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}|\d{17}[\dXx])(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def mask_personal_data(text: str) -> str:
    """13812345678 → 138****5678, an e-mail address → ***@***."""

    def number(match: re.Match) -> str:
        digits = match.group(0)
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

    return _EMAIL.sub("***@***", _NUMBER.sub(number, text))


def _plain(value: Any) -> Any:
    """JSON's own types as they are, anything else as its text (then masked)."""
    if value is None or isinstance(value, str | int | float | bool | dict | list | tuple):
        return value
    return str(value)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


class PersonalDataFilter(logging.Filter):
    """Renders the message with its arguments, then masks personal data in it and in
    the traceback; adds request_id, user_id, task_id and task_name to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
            record.exc_info = None  # formatters print exc_text, the masked copy
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        _add_context(record)
        return True


def _add_context(record: logging.LogRecord) -> None:
    if getattr(record, "request_id", None) is None:
        record.request_id = request_id_var.get()
    if getattr(record, "user_id", None) is None:
        record.user_id = user_id_var.get()
    task_id = task_name = None
    try:
        from celery import current_task

        if current_task and current_task.request.id:
            task_id, task_name = current_task.request.id, current_task.name
    except Exception:  # outside a worker there is no task
        pass
    if getattr(record, "task_id", None) is None:
        record.task_id = task_id
    if getattr(record, "task_name", None) is None:
        record.task_name = task_name


class JsonLogFormatter(JsonFormatter):
    """python-json-logger with fixed names: timestamp, level, logger, message, the
    context fields, and whatever a call passes in ``extra`` (masked too)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", "timestamp")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "exc_info": "exc"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for name in ("request_id", "user_id", "task_id", "task_name"):
            log_data.setdefault(name, getattr(record, name, None))

    def process_log_record(self, log_data):
        # Django's request loggers pass the request object, whose text holds the query
        # string (a search for a caller's name, which no pattern can mask): left out.
        log_data.pop("request", None)
        return {key: _masked(_plain(value)) for key, value in log_data.items()}


class PlainLogFormatter(logging.Formatter):
    """One readable line; the request or task id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = getattr(record, "request_id", None) or getattr(record, "task_id", None)
        return f"{line} [{context}]" if context else line


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: ``log_format`` is "json" or "plain"."""
    formatters = {
        "json": {"()": "citymgmt.logs.JsonLogFormatter"},
        "plain": {"()": "citymgmt.logs.PlainLogFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"personal_data": {"()": "citymgmt.logs.PersonalDataFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["personal_data"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own request and server loggers go through the same handler (they
            # have none of their own once LOGGING names them), without repeating lines.
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
            "celery": {"handlers": ["console"], "level": level, "propagate": False},
            # SQL with its parameters (callers' names and phones) is never logged, even at DEBUG.
            "django.db.backends": {"level": "INFO"},
        },
    }
