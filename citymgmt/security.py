"""Login hardening: lockout after repeated failures, idle sessions, revocable API tokens.

- ``LockoutBackend``: django-axes' lockout check in front of the staff password check.
- ``lockout_response``: what a locked pair sees (the login page or a JSON 429), in Chinese.
- ``IdleSessionMiddleware``: a session without a request for SESSION_IDLE_TIMEOUT ends.
- ``TokenRevokeView``: POST /api/v1/auth/token/revoke/ deletes the caller's own token.
"""

from __future__ import annotations

import ipaddress
import math
import time
from urllib.parse import urlencode, urlsplit

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from citymgmt.api import ErrorSerializer
from citymgmt.authentication import StaffBackend

# --- lockout ----------------------------------------------------------------------------------


class LockoutBackend(AxesStandaloneBackend, StaffBackend):
    """Refuse a locked (user name, address) pair before looking at the password, then check the
    password as StaffBackend does; a good password clears the pair's failures.

    A call without a request is not counted and not refused: only code inside the process makes
    one (the test client's ``login()``, the shell, management commands), and there is no address
    to count against. Every network path passes its request: the login page and the admin login
    (AuthenticationForm) and the API token endpoint (DRF's AuthTokenSerializer).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not settings.AXES_ENABLED:
            return StaffBackend.authenticate(self, request, username=username, password=password, **kwargs)
        # DRF hands over its Request wrapper: axes flags the Django request the middleware sees.
        http_request = getattr(request, "_request", request)
        # Raises PermissionDenied for a locked pair: authenticate() then reports a failed login.
        AxesStandaloneBackend.authenticate(self, http_request, username=username, password=password, **kwargs)
        user = StaffBackend.authenticate(self, request, username=username, password=password, **kwargs)
        if user is not None:
            # The token endpoint never calls login(), whose signal resets the count for pages.
            handler = AxesProxyHandler.get_implementation()
            if hasattr(handler, "reset_user_attempts"):
                handler.reset_user_attempts(http_request, get_credentials(username))
        return user


@receiver(user_login_failed, dispatch_uid="citymgmt-lockout-flag-on-django-request")
def _flag_lockout_on_django_request(sender, credentials, request=None, **kwargs):
    """axes flags the request it was given: for the API that is DRF's wrapper, which the axes
    middleware never sees. Copy the flag so the failure that reaches the limit answers 429 too.
    Connected when this module is imported (by the authentication backend, before any login)."""
    django_request = getattr(request, "_request", None)
    if django_request is not None and getattr(request, "axes_locked_out", False):
        django_request.axes_locked_out = True
        django_request.axes_credentials = getattr(request, "axes_credentials", credentials)


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message(username: str | None = None) -> str:
    minutes = lockout_minutes()
    contact = settings.LOGIN_LOCKOUT_CONTACT or _("系统管理员")
    if username:
        first = _("用户名 %(username)s 在本机连续 %(limit)d 次密码错误，已被锁定 %(minutes)d 分钟。") % {
            "username": username,
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        }
    else:
        first = _("连续 %(limit)d 次密码错误，已被锁定 %(minutes)d 分钟。") % {
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        }
    then = _("请 %(minutes)d 分钟后再试；急需登录请联系%(contact)s解锁。") % {"minutes": minutes, "contact": contact}
    return f"{first}{then}"


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API gets JSON, a browser the login page with the message; 429
    either way, with Retry-After in seconds."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    message = lockout_message(username)
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "locked_minutes": lockout_minutes()}, status=429)
    else:
        form = AuthenticationForm(request, initial={"username": username})
        context = {
            "form": form,
            "lockout_message": message,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


# --- idle sessions ------------------------------------------------------------------------------

LAST_SEEN_KEY = "citymgmt_last_seen"
# The time stamp is written at most once a minute: a save of the session on every request of a
# busy queue page would be a database write for nothing.
LAST_SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="citymgmt-idle-clock-starts-at-login")
def _start_idle_clock(sender, request, user, **kwargs):
    """The idle clock starts at sign-in, saved with the new session (no extra write on the
    first page). Connected at import: authenticate() and the test client's force_login() load
    the authentication backend, this module, before they log anyone in."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """End a signed-in session that has seen no request for SESSION_IDLE_TIMEOUT seconds.

    The next request is then anonymous: a page redirects to the login page as usual; an htmx
    request is told to load the login page in full (HX-Redirect) instead of swapping it into a
    fragment. SESSION_COOKIE_AGE still bounds the whole session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.headers.get("HX-Request"):
                    return self._htmx_to_login(request)
            elif last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _htmx_to_login(request) -> HttpResponse:
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_url = current.path + (f"?{current.query}" if current.query else "") if current.path else "/"
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
        return response


# --- API tokens ------------------------------------------------------------------------------------


@extend_schema(
    tags=["auth"],
    summary="撤销自己的 API 令牌",
    description=(
        "删除调用者自己的 API 令牌：之后带这个令牌的请求得到 401。需要新令牌时再用用户名和密码换取"
        "（POST /api/v1/auth/token/），得到的是一个新令牌。管理员在系统管理 → 令牌中可撤销任何人的令牌。"
    ),
    request=None,
    responses={204: None, 401: ErrorSerializer},
)
class TokenRevokeView(APIView):
    """POST (not DELETE on /auth/token/): the token endpoint takes no credentials but a password,
    and a separate path keeps "get a token" and "throw it away" apart in the schema and logs."""

    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


def client_ip(request: HttpRequest) -> str:
    """The client's address for rate limits and records: REMOTE_ADDR, or behind
    ``LOGIN_TRUSTED_PROXIES`` proxies that append to X-Forwarded-For, the address
    the outermost of them saw (entries further left are the client's own claim and
    can be forged). "0.0.0.0" when there is none (a Unix socket without a proxy
    header), so that a limit still applies rather than failing the request."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"
