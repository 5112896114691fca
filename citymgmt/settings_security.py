"""Settings of issue 9 (security), imported at the end of citymgmt/settings.py.

Reads what settings.py defined (`from citymgmt.settings import NAME`) and re-binds names.
Login lockout (django-axes), idle sessions, password rules and the Content-Security-Policy
(django-csp 4). Everything a city may need to change comes from the environment.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF

from citymgmt.env import env_int, env_str
from citymgmt.settings import INSTALLED_APPS, MAP_TILE_URL, MIDDLEWARE, TEMPLATES

INSTALLED_APPS = [*INSTALLED_APPS, "axes", "csp"]

# --- Login lockout (django-axes) ---------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one user name from one address, that pair is
# locked for LOGIN_LOCKOUT_MINUTES. Counting the pair (not the name alone) keeps a stranger
# from locking a dispatcher out of the command centre by typing their name five times.
AXES_VERBOSE = False  # no "AXES: BEGIN" banner on every command
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a good password clears the count of that pair
AXES_LOCKOUT_CALLABLE = "citymgmt.security.lockout_response"  # the login page or JSON, in Chinese
# Who unlocks an account, as the lockout message names it (e.g. "指挥中心值班室 0571-12345678").
LOGIN_LOCKOUT_CONTACT = env_str("LOGIN_LOCKOUT_CONTACT", "")
# The client address is REMOTE_ADDR unless the app runs behind that many trusted proxies that
# append to X-Forwarded-For (nginx in docs/deploy.md: 1). Trusting the header without a proxy
# would let anyone pick a new address for every guess.
LOGIN_TRUSTED_PROXIES = env_int("LOGIN_TRUSTED_PROXIES", 0, minimum=0)
if LOGIN_TRUSTED_PROXIES:
    AXES_IPWARE_PROXY_COUNT = LOGIN_TRUSTED_PROXIES
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# The same client address for the public channel's rate limits (django-ratelimit) and records.
RATELIMIT_IP_META_KEY = "citymgmt.security.client_ip"
# One backend: the lockout check, then Django's password check with the staff profile
# (citymgmt.authentication.StaffBackend). See citymgmt.security.LockoutBackend for why a
# call without a request (the test client's login(), the shell) is not counted.
AUTHENTICATION_BACKENDS = ["citymgmt.security.LockoutBackend"]

# --- Sessions ------------------------------------------------------------------------------
# SESSION_COOKIE_AGE (settings.py) bounds a session to one working day; a session that has seen
# no request for SESSION_IDLE_TIMEOUT seconds ends too (a workstation left signed in).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A password change ends every other session of the user: Django keeps a hash of the password
# in each session and refuses sessions whose hash no longer matches (the changing session is
# kept by update_session_auth_hash in PasswordChangeView).

# --- Password rules (new and changed passwords; seed_demo sets demo12345 directly) ---------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Middleware ------------------------------------------------------------------------------
# CSP right after SecurityMiddleware (the nonce exists before any view renders); the idle
# timeout right after authentication; axes last, as its documentation asks (it turns the
# lockout flag set during authenticate() into the lockout response).
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "citymgmt.security.IdleSessionMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [*TEMPLATES[0]["OPTIONS"]["context_processors"], "csp.context_processors.nonce"],
        },
    },
    *TEMPLATES[1:],
]

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------
# Only our own files run and style the pages: scripts and <style> blocks need the request's
# nonce (templates: nonce="{{ request.csp_nonce }}"); no inline style="" attributes, no
# inline event handlers, no eval. Map tiles may come from MAP_TILE_URL's host.
_IMG_SRC = [SELF, "data:", "blob:"]
if MAP_TILE_URL:
    # https://{s}.tile.example.org/{z}/{x}/{y}.png → https://*.tile.example.org (subdomain letters)
    _IMG_SRC.append(f"{urlsplit(MAP_TILE_URL).scheme}://{urlsplit(MAP_TILE_URL).netloc.replace('{s}', '*')}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": _IMG_SRC,
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
del _IMG_SRC

# --- Other headers (settings.py: HSTS in production, nosniff) ------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
