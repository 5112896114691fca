"""Access matrix: every route of the project × every demo role → allowed or refused.

DOMAIN.md §2 (who may do what) and §10 (personal data), README "pages" tables.
Columns (tests/security/matrix.py ``WHO``):

    anon  anonymous                          hA   handler of 市政 (the objects' department)
    op    operator 受理员                     hB   handler of 环卫 (another department)
    sl    shift leader 值班长                 in   inspector of district 339901's grids
    dp    dispatcher 派遣员                   as   assessor 环卫考评员
    ld    leader of district 339901           ldB  leader of district 339902 (another district)
    cl    city leader                         ad   admin        out  signed in, no role

Cells: ``ok`` 2xx · ``→`` a redirect that is not a login (allowed: a start page, the
case page after an action, a message) · ``in`` sent to the login page · a status code
(401 API without credentials, 403 role, 404 outside scope or unknown, 405 method,
400 bad input from someone who may act, 409 wrong state from someone who may act,
429 rate limit). Every object in a URL (``matrix.build_scene``) lies in district 339901
and, for cases, department 市政: ``hB`` and ``ldB`` guess their numbers.

A route added to the project without a row here fails ``test_every_route_has_a_row``.
"""

import re

import pytest

from cases.models import Case, CaseEvent
from tests.security.matrix import COLUMNS, Asker, parse_table, path_of, routes, url_kwargs

pytestmark = pytest.mark.django_db

# --- GET: every route -------------------------------------------------------------------------
# Reading pages: the command centre (op sl dp) sees every case; a handler their
# department's; a leader their region's; reports for leaders, shift leaders,
# dispatchers, admin; patrol phone pages for inspectors; sanitation for assessors
# (edit) and leaders/sl/dp (read). Public: /report/, /open311/v2/, login, i18n,
# the API schema and docs. API rows without credentials answer 401.
GET = """
route                              | anon op   sl   dp   hA   hB   in   as   ld   ldB  cl   ad   out
login                              | ok   →    →    →    →    →    →    →    →    →    →    →    →
logout                             | 405  405  405  405  405  405  405  405  405  405  405  405  405
password_change                    | in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
password_change_done               | in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
set_language                       | →    →    →    →    →    →    →    →    →    →    →    →    →
reports-api:monthly                | 401  403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports-api:trend                  | 401  403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports-api:breakdown              | 401  403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
api:token                          | 405  405  405  405  405  405  405  405  405  405  405  405  405
api:locate                         | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:photo                          | 401  ok   ok   ok   ok   404  ok   404  ok   404  ok   ok   404
api:sanitation-photo               | 401  403  ok   ok   403  403  403  ok   ok   404  ok   ok   403
api:sanitation-scores              | 401  403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
api:sanitation-sorting-rates       | 401  403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
api:category-list                  | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:category-detail                | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:region-list                    | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:region-detail                  | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:department-list                | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:department-detail              | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:grid-list                      | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:grid-detail                    | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:case-list                      | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:case-detail                    | 401  ok   ok   ok   ok   404  ok   404  ok   404  ok   ok   404
api:route-list                     | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   403
api:route-detail                   | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   403
api:patrol-list                    | 401  403  ok   ok   403  403  ok   403  ok   ok   ok   ok   403
api:patrol-detail                  | 401  403  ok   ok   403  403  ok   403  ok   404  ok   ok   403
api:patrol-end                     | 401  403  405  405  403  403  405  403  405  405  405  405  403
api:patrol-points                  | 401  403  ok   ok   403  403  ok   403  ok   404  ok   ok   403
api:patrol-reports                 | 401  403  405  405  403  403  405  403  405  405  405  405  403
api:patrol-task-list               | 401  403  ok   ok   403  403  ok   403  ok   ok   ok   ok   403
api:patrol-task-detail             | 401  403  ok   ok   403  403  ok   403  ok   404  ok   ok   403
api:notice-list                    | 401  403  ok   ok   403  403  ok   403  ok   ok   ok   ok   403
api:notice-detail                  | 401  403  ok   ok   403  403  ok   403  ok   404  ok   ok   403
api:subject-list                   | 401  403  ok   ok   403  403  ok   403  ok   ok   ok   ok   403
api:subject-detail                 | 401  403  ok   ok   403  403  ok   403  ok   404  ok   ok   403
api:sanitation-inspection-list     | 401  403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
api:sanitation-inspection-detail   | 401  403  ok   ok   403  403  403  ok   ok   404  ok   ok   403
api:case-verify-request            | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-verify-reply              | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-file                      | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-reject                    | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-void                      | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-dispatch                  | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-sign                      | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-request-return            | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-request-delay             | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-request-suspend           | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-decide-request            | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-resume                    | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-contact-caller            | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-feedback                  | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-check-request             | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-check-pass                | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-check-fail                | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-close                     | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-callback                  | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-reopen                    | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-link-duplicate            | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-supervise                 | 401  405  405  405  405  405  405  405  405  405  405  405  405
api:case-unknown-action            | 401  404  404  404  404  404  404  404  404  404  404  404  404
work:queue                         | in   ok   ok   ok   403  403  403  403  ok   ok   ok   ok   403
work:queue_rows                    | in   ok   ok   ok   403  403  403  403  ok   ok   ok   ok   403
work:queue_bulk                    | in   405  405  405  405  405  405  405  405  405  405  405  405
work:approvals                     | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
work:case                          | in   ok   ok   ok   ok   404  ok   404  ok   404  ok   ok   404
work:case_action                   | in   405  405  405  405  405  405  405  405  405  405  405  405
work:intake                        | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
work:intake_locate                 | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
work:intake_duplicates             | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
work:intake_categories             | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
work:inbox                         | in   403  403  403  ok   ok   403  403  403  403  403  403  403
work:notifications                 | in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   403
work:notification_read             | in   405  405  405  405  405  405  405  405  405  405  405  405
work:callbacks                     | in   ok   ok   ok   403  403  403  403  403  403  403  ok   403
open311:discovery                  | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
open311:services                   | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
open311:service                    | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
open311:requests                   | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
open311:request                    | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
open311:token                      | 404  404  404  404  404  404  404  404  404  404  404  404  404
open311:not-found                  | 404  404  404  404  404  404  404  404  404  404  404  404  404
public:report                      | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
public:locate                      | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
public:track                       | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
public:track_case                  | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
public:feedback                    | 405  405  405  405  405  405  405  405  405  405  405  405  405
public:photo                       | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
patrols:today                      | in   403  403  403  403  403  ok   403  403  403  403  403  403
patrols:patrol                     | in   403  403  403  403  403  ok   403  403  403  403  403  403
patrols:start                      | in   405  405  405  405  405  405  405  405  405  405  405  405
patrols:end                        | in   405  405  405  405  405  405  405  405  405  405  405  405
patrols:points                     | in   405  405  405  405  405  405  405  405  405  405  405  405
patrols:report                     | in   405  405  405  405  405  405  405  405  405  405  405  405
patrols:tasks                      | in   403  403  403  403  403  ok   403  403  403  403  403  403
patrols:routes                     | in   403  ok   ok   403  403  403  403  403  403  403  ok   403
patrols:route_new                  | in   403  ok   ok   403  403  403  403  403  403  403  ok   403
patrols:route_edit                 | in   403  ok   ok   403  403  403  403  403  403  403  ok   403
patrols:route_import               | in   403  ok   ok   403  403  403  403  403  403  403  ok   403
patrols:plan                       | in   403  ok   ok   403  403  403  403  403  403  403  ok   403
patrols:notices                    | in   403  ok   ok   403  403  ok   403  403  403  403  ok   403
patrols:notice_new                 | in   403  ok   ok   403  403  ok   403  403  403  403  ok   403
patrols:notice                     | in   403  ok   ok   403  403  ok   403  403  403  403  ok   403
patrols:notice_print               | in   403  ok   ok   403  403  ok   403  403  403  403  ok   403
patrols:subject                    | in   403  ok   ok   403  403  ok   403  403  403  403  ok   403
patrols:figures                    | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
sanitation:ledger_index            | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:ledger_check_add        | in   403  403  403  403  403  403  →    403  403  403  →    403
sanitation:ledger_list             | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:ledger_create           | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:ledger_export           | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:ledger_import           | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:ledger_import_job       | in   403  403  403  403  403  403  ok   403  403  403  404  403
sanitation:ledger_detail           | in   403  ok   ok   403  403  403  ok   ok   404  ok   ok   403
sanitation:ledger_edit             | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:inspection_list         | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:inspection_new          | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:inspection_targets      | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:inspection_detail       | in   403  ok   ok   403  403  403  ok   ok   404  ok   ok   403
sanitation:inspection_fault_case   | in   405  405  405  405  405  405  405  405  405  405  405  405
sanitation:scores                  | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:sorting_rates           | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:sorting_entry           | in   403  403  403  403  403  403  ok   403  403  403  ok   403
sanitation:tonnage                 | in   403  ok   ok   403  403  403  ok   ok   ok   ok   ok   403
sanitation:tonnage_entry           | in   403  403  403  403  403  403  ok   403  403  403  ok   403
reports:dashboard                  | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:dashboard_data             | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:bulletin_list              | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:bulletin_generate          | in   405  405  405  405  405  405  405  405  405  405  405  405
reports:bulletin_daily_xlsx        | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:bulletin_daily             | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:bulletin_monthly           | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:bulletin_monthly_xlsx      | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
reports:staff                      | in   403  ok   ok   403  403  403  403  ok   ok   ok   ok   403
api-schema                         | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api-docs                           | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
health                             | 503  503  503  503  503  503  503  503  503  503  503  503  503
health-ready                       | ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
token-revoke                       | 401  405  405  405  405  405  405  405  405  405  405  405  405
home                               | in   →    →    →    →    →    →    →    →    →    →    →    403
start                              | in   ok   403  403  403  403  403  403  403  403  403  403  403
"""

# --- POST with an empty body: every route that takes a POST -----------------------------------
# Someone who may act gets 400 (the form's messages) or 409 (not in this state) or
# is sent on (→); someone who may not gets 403 (role) or 404 (outside scope), never
# 2xx. The page's case actions answer a refusal by going back to the case page with
# the service's words (→); test_refused_posts_change_nothing checks nothing moved.
POST = """
route                              | anon op   sl   dp   hA   hB   in   as   ld   ldB  cl   ad   out
login                              | ok   →    →    →    →    →    →    →    →    →    →    →    →
logout                             | in   in   in   in   in   in   in   in   in   in   in   in   in
password_change                    | in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
set_language                       | →    →    →    →    →    →    →    →    →    →    →    →    →
api:token                          | 400  400  400  400  400  400  400  400  400  400  400  400  400
token-revoke                       | 401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
api:case-list                      | 401  400  400  400  400  400  400  400  400  400  400  400  400
api:patrol-list                    | 401  403  403  403  403  403  409  403  403  403  403  403  403
api:patrol-end                     | 401  403  403  403  403  403  ok   403  403  404  403  403  403
api:patrol-points                  | 401  403  400  400  403  403  400  403  400  404  400  400  403
api:patrol-reports                 | 401  403  400  400  403  403  400  403  400  404  400  400  403
api:notice-list                    | 401  403  400  400  403  403  400  403  400  400  400  400  403
api:sanitation-inspection-list     | 401  403  400  400  403  403  403  400  400  400  400  400  403
work:queue_bulk                    | in   →    →    →    403  403  403  403  403  403  403  →    403
work:case_action                   | in   →    →    →    →    404  →    404  →    404  →    →    404
work:intake                        | in   400  400  400  403  403  403  403  403  403  403  403  403
work:notification_read             | in   404  404  404  →    404  404  404  404  404  404  404  404
public:report                      | 400  400  400  400  400  400  400  400  400  400  400  400  400
public:feedback                    | 403  403  403  403  403  403  403  403  403  403  403  403  403
open311:requests                   | 403  403  403  403  403  403  403  403  403  403  403  403  403
patrols:start                      | in   403  403  403  403  403  →    403  403  403  403  403  403
patrols:end                        | in   403  403  403  403  403  →    403  403  403  403  403  403
patrols:points                     | in   403  403  403  403  403  400  403  403  403  403  403  403
patrols:report                     | in   403  403  403  403  403  400  403  403  403  403  403  403
patrols:route_new                  | in   403  400  400  403  403  403  403  403  403  403  400  403
patrols:route_edit                 | in   403  400  400  403  403  403  403  403  403  403  400  403
patrols:route_import               | in   403  400  400  403  403  403  403  403  403  403  400  403
patrols:plan                       | in   403  →    →    403  403  403  403  403  403  403  →    403
patrols:notice_new                 | in   403  400  400  403  403  400  403  403  403  403  400  403
sanitation:ledger_check_add        | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:ledger_create           | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:ledger_edit             | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:ledger_import           | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:inspection_new          | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:inspection_fault_case   | in   403  403  403  403  403  403  400  403  403  403  403  403
sanitation:sorting_entry           | in   403  403  403  403  403  403  400  403  403  403  400  403
sanitation:tonnage_entry           | in   403  403  403  403  403  403  400  403  403  403  400  403
reports:bulletin_generate          | in   403  →    403  403  403  403  403  403  403  403  →    403
api:case-verify-request            | 401  409  403  403  403  404  403  404  403  404  403  403  404
api:case-verify-reply              | 401  403  403  403  403  404  409  404  403  404  403  403  404
api:case-file                      | 401  403  409  403  403  404  403  404  403  404  403  403  404
api:case-reject                    | 401  409  403  403  403  404  403  404  403  404  403  403  404
api:case-void                      | 401  403  409  403  403  404  403  404  403  404  403  403  404
api:case-dispatch                  | 401  403  403  409  403  404  403  404  403  404  403  403  404
api:case-sign                      | 401  403  403  403  409  404  403  404  403  404  403  403  404
api:case-request-return            | 401  403  403  403  400  404  403  404  403  404  403  403  404
api:case-request-delay             | 401  403  403  403  400  404  403  404  403  404  403  403  404
api:case-request-suspend           | 401  403  403  403  400  404  403  404  403  404  403  403  404
api:case-decide-request            | 401  403  409  409  403  404  403  404  403  404  403  403  404
api:case-resume                    | 401  403  403  409  403  404  403  404  403  404  403  403  404
api:case-contact-caller            | 401  403  403  403  400  404  403  404  403  404  403  403  404
api:case-feedback                  | 401  403  403  403  400  404  403  404  403  404  403  403  404
api:case-check-request             | 401  409  403  403  403  404  403  404  403  404  403  403  404
api:case-check-pass                | 401  403  403  403  403  404  409  404  403  404  403  403  404
api:case-check-fail                | 401  403  403  403  403  404  409  404  403  404  403  403  404
api:case-close                     | 401  403  409  403  403  404  403  404  403  404  403  403  404
api:case-callback                  | 401  409  403  403  403  404  403  404  403  404  403  403  404
api:case-reopen                    | 401  403  403  409  403  404  403  404  403  404  403  403  404
api:case-link-duplicate            | 401  409  403  403  403  404  403  404  403  404  403  403  404
api:case-supervise                 | 401  403  403  400  403  404  403  404  400  404  400  403  404
api:case-unknown-action            | 401  404  404  404  404  404  404  404  404  404  404  404  404
"""

# API detail rows whose objects are scoped (hB / ldB must get 404), and the routes
# of the other app areas, are checked again by name in the tests below.


def _mismatches(table: dict, ask) -> list[str]:
    wrong = []
    for name, expected in table.items():
        for column in COLUMNS:
            got = ask(name, column)
            if got != expected[column]:
                wrong.append(f"{name:34} {column:4} expected {expected[column]:4} got {got}")
    return wrong


def test_every_route_has_a_row():
    """Every URL pattern outside the admin has a GET row, and every row a route."""
    project = {r.name for r in routes() if not r.pattern.startswith("admin/")}
    table = set(parse_table(GET))
    assert sorted(project - table) == [], "routes without a row in the access matrix"
    assert sorted(table - project) == [], "rows for routes that no longer exist"
    assert set(parse_table(POST)) <= project


def test_get_every_route_as_every_person(scene):
    asker = Asker(scene)
    by_name = {r.name: r for r in routes()}

    def ask(name, column):
        route = by_name[name]
        return asker.get(column, path_of(route, url_kwargs(route, scene)))

    assert _mismatches(parse_table(GET), ask) == []


def test_post_an_empty_body_to_every_action_as_every_person(scene):
    asker = Asker(scene)
    by_name = {r.name: r for r in routes()}
    before = _case_state(scene.case)

    def ask(name, column):
        route = by_name[name]
        return asker.post(column, path_of(route, url_kwargs(route, scene)))

    table = parse_table(POST)
    assert _mismatches(table, ask) == []
    # No empty request moved the case: every refusal and every 400 changed nothing.
    assert _case_state(scene.case) == before
    for name, row in table.items():
        for column, cell in row.items():
            if cell.startswith("2") or cell == "ok":
                assert name in ALLOWED_EMPTY_POSTS, f"{name} {column}: an empty POST succeeded"


# Empty POSTs that succeed by design: signing in/out pages, language, revoking one's own
# token, marking a notification read (its own department), ending one's own patrol.
ALLOWED_EMPTY_POSTS = {"login", "password_change", "token-revoke", "api:patrol-end"}


def _case_state(case):
    fresh = Case.objects.get(pk=case.pk)
    return fresh.status, fresh.department_id, fresh.supervision_level, CaseEvent.objects.filter(case=case).count()


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_is_for_staff_only(scene):
    """Every admin route sends anyone but staff to the admin login; the admin gets in."""
    asker = Asker(scene)
    admin_routes = [r for r in routes() if r.pattern.startswith("admin/")]
    assert len(admin_routes) > 50
    wrong = []
    for route in admin_routes:
        path = "/" + _admin_path(route, scene)
        # Django's admin_view asks one question (is_staff) of everyone: every person on
        # the index, a non-staff sample of each kind on every other admin route.
        columns = COLUMNS if route.name == "admin:index" else ("anon", "op", "hA", "ld", "out", "ad")
        for column in columns:
            got = asker.get(column, path)
            open_to_all = route.name in ("admin:login", "admin:logout")
            if column == "ad" or open_to_all:
                # In (a 403 is a read-only model's add/delete: case rows, the audit log).
                if got == "in" or got.startswith("5"):
                    wrong.append(f"{path} {column} {got}")
            elif got != "in":
                wrong.append(f"{path} {column} {got}")
    assert wrong == [], "\n".join(wrong)


def _admin_path(route, scene) -> str:
    values = {"object_id": str(scene.city.grids[0].pk), "app_label": "org", "content_type_id": "1", "url": "x"}
    text = route.pattern
    for name in route.converters:
        text = re.sub(r"<(?:\w+:)?" + name + ">", values.get(name, "1"), text)
        text = re.sub(r"\(\?P<" + name + r">[^)]*\)", values.get(name, "1"), text)
    return text.replace("^", "").replace("$", "")
