"""Request id and one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

from citymgmt.logs import request_id_var, user_id_var

logger = logging.getLogger("citymgmt.request")

# An id from the proxy or the caller is kept when it looks like one (so one id follows a
# request through nginx, the app and the logs); anything else is replaced.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,99}$")
QUIET_PREFIXES = ("/health/", "/static/")  # polled or served in bulk: logged at DEBUG only


def _user_id(request) -> int | None:
    """The signed-in user's id, without loading a session nobody looked at."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


class RequestIdMiddleware:
    """Gives each request an id (X-Request-ID when well formed, else a new one), puts
    it on every log line written meanwhile and on the response, and logs the request:
    method, path (never the query string, which can hold a phone search), status,
    duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _WELL_FORMED.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user_id = _user_id(request)
            user_id_var.set(user_id)
            level = logging.DEBUG if request.path.startswith(QUIET_PREFIXES) else logging.INFO
            logger.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            user_id_var.reset(user_token)
            request_id_var.reset(token)
