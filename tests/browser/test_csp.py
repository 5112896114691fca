"""Every main page works under the Content-Security-Policy in Chromium: no violation is
reported, and the page's own JavaScript ran (its map, chart or widget is drawn)."""

import time

import pytest
from django.test import Client

from tests.security.matrix import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected before any page script runs: every violation the browser reports to the page.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""

# (who, path, a JavaScript condition true only once the page's own scripts have run)
HTMX = "typeof window.htmx === 'object'"


def leaflet(map_id):
    return f"document.querySelector('#{map_id}.leaflet-container .leaflet-pane') !== null"


def pages(scene):
    case, bulletin_day = scene.case.number, scene.bulletin.day.isoformat()
    return [
        (None, "/accounts/login/", HTMX),
        (None, "/report/", leaflet("report-map")),
        (None, f"/report/track/{scene.closed.number}/", "document.querySelector('script[src*=\"track.js\"]') !== null"),
        (None, "/api/docs/", "document.querySelector('.swagger-ui .info') !== null"),
        ("operator", "/start/operator/", HTMX),
        ("dispatcher", "/work/queue/", "typeof window.queueBusy === 'function'"),
        ("operator", f"/work/cases/{case}/", leaflet("case-map")),
        ("operator", "/work/intake/", leaflet("intake-map")),
        ("handler_a", "/work/inbox/", HTMX),
        (
            "city_leader",
            "/reports/",
            "document.querySelector('[_echarts_instance_]') !== null && " + leaflet("dash-map"),
        ),
        ("city_leader", "/reports/bulletins/monthly/", "typeof window.echarts === 'object'"),
        ("city_leader", f"/reports/bulletins/daily/{bulletin_day}/", HTMX),
        ("inspector", "/patrols/", HTMX),
        ("inspector", f"/patrols/patrol/{scene.patrol.pk}/", leaflet("patrol-map")),
        ("dispatcher", f"/patrols/routes/{scene.route.pk}/", leaflet("route-map")),
        ("dispatcher", "/patrols/plan/", HTMX),
        ("inspector", "/patrols/notices/new/", HTMX),
        ("inspector", f"/patrols/notices/{scene.notice.pk}/print/", HTMX),
        ("assessor", "/sanitation/ledgers/roads/", HTMX),
        ("assessor", "/sanitation/inspections/new/", HTMX),
        ("assessor", f"/sanitation/inspections/{scene.inspection.pk}/", HTMX),
        ("assessor", "/sanitation/sorting/", HTMX),
        ("admin", "/admin/", "document.querySelector('#content') !== null"),
        ("admin", "/admin/cases/case/", "typeof window.django === 'object'"),
    ]


def wait_until(page, condition: str, seconds: float = 15) -> None:
    """Poll ``condition`` through DevTools (page.wait_for_function would eval() it in the page,
    which the policy refuses: that would be our own violation, not the page's)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => Boolean({condition})"):
        assert time.monotonic() < deadline, f"{page.url}: {condition} never became true"
        page.wait_for_timeout(100)


def open_as(browser, live_server, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.add_init_script(COLLECT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_the_main_pages_run_under_the_policy_without_a_violation(browser, live_server, world, media_root):
    scene = build_scene(world)
    problems = []
    for who, path, ready in pages(scene):
        context, page = open_as(browser, live_server, getattr(scene, who) if who else None)
        console = []
        page.on("console", lambda m, sink=console: sink.append(m.text))
        page.on("pageerror", lambda e, sink=console: sink.append(f"page error: {e}"))
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (who, path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        wait_until(page, ready)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations")
        reported = [text for text in console if "Content Security Policy" in text or text.startswith("page error")]
        if violations or reported:
            problems.append(f"{who} {path}: {violations} {reported}")
        context.close()
    assert not problems, "\n".join(problems)


def test_a_blocked_inline_script_is_reported_so_the_check_above_can_fail(browser, live_server, people):
    context, page = open_as(browser, live_server, None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
    context.close()
