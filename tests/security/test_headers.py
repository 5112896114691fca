"""Security headers: the Content-Security-Policy, framing, referrer, HSTS in production, and
markup the policy lets run (no inline code without the request's nonce)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.citymgmt.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


def test_every_page_sends_the_policy_and_the_other_headers(people):
    client = Client()
    client.force_login(people.dispatcher)
    for path in ("/accounts/login/", "/work/queue/", "/report/"):
        response = (client if path.startswith("/work") else Client()).get(path)
        assert response.status_code == 200
        policy = directives(response["Content-Security-Policy"])
        for name, value in POLICY.items():
            assert policy[name].startswith(value), (path, name, policy[name])
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_run_their_inline_script_by_the_requests_nonce(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", directives(response["Content-Security-Policy"])["script-src"]).group(1)
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html
    assert f'<style nonce="{nonce}">' in html
    # A new request, a new nonce.
    again = Client().get("/api/docs/")
    assert nonce not in again["Content-Security-Policy"]


def test_map_tiles_are_allowed_from_the_tile_servers_host_only_when_set():
    script = (
        "from django.conf import settings as s; print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    plain = manage("shell", "--no-imports", "-c", script)
    assert plain.stdout.strip().splitlines()[-1] == "'self' data: blob:"
    tiles = manage(
        "shell", "--no-imports", "-c", script, env={"MAP_TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"}
    )
    assert tiles.stdout.strip().splitlines()[-1] == "'self' data: blob: https://*.tiles.example.org"


def test_production_passes_check_deploy_and_sends_hsts():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    script = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, "
        "'csp.middleware.CSPMiddleware' in s.MIDDLEWARE, s.MIDDLEWARE[-1])"
    )
    shown = manage("shell", "--no-imports", "-c", script, env=PRODUCTION)
    assert shown.stdout.split()[-6:] == ["31536000", "True", "True", "DENY", "True", "axes.middleware.AxesMiddleware"]


# --- the markup: nothing inline the policy would block ---------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=[\"']", re.I)
EVENT_HANDLER = re.compile(r"\s(on[a-z]+|hx-on(?::[\w:-]+)?)=[\"']", re.I)
HTMX_FILTER = re.compile(r"hx-trigger=\"[^\"]*\[", re.I)  # a trigger filter is eval()


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("inline <script> without the nonce", INLINE_SCRIPT),
        ("inline <style> without the nonce", INLINE_STYLE),
        ('style="" attribute', STYLE_ATTRIBUTE),
        ("inline event handler", EVENT_HANDLER),
        ("htmx trigger filter (eval)", HTMX_FILTER),
    ],
)
def test_no_template_has_markup_the_policy_blocks(rule, pattern):
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"{rule}:\n" + "\n".join(offenders)


def test_the_scanner_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">')
    assert INLINE_STYLE.search("<style>p{}</style>")
    assert STYLE_ATTRIBUTE.search('<p style="color:red">')
    assert EVENT_HANDLER.search('<button onclick="x()">') and EVENT_HANDLER.search('<div hx-on:click="x()">')
    assert HTMX_FILTER.search('hx-trigger="every 2s [busy()]"')


def test_htmx_is_told_not_to_inject_styles_or_eval_and_its_indicator_css_is_ours(people):
    html = Client().get("/accounts/login/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "citymgmt.css").read_text()
    assert ".htmx-indicator { opacity: 0; }" in css
