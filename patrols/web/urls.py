"""Patrol pages, under /patrols/ (namespace ``patrols``)."""

from django.urls import path

from patrols.web import figures, notices, patrol, planner, routes, tasks

app_name = "patrols"

urlpatterns = [
    # the inspector on the phone
    path("", patrol.today, name="today"),
    path("patrol/<int:pk>/", patrol.patrol_page, name="patrol"),
    path("patrol/start/", patrol.start, name="start"),
    path("patrol/<int:pk>/end/", patrol.end, name="end"),
    path("patrol/<int:pk>/points/", patrol.points, name="points"),
    path("patrol/<int:pk>/report/", patrol.report, name="report"),
    path("tasks/", tasks.tasks, name="tasks"),
    # routes and the week plan (supervisors)
    path("routes/", routes.route_list, name="routes"),
    path("routes/new/", routes.route_edit, name="route_new"),
    path("routes/<int:pk>/", routes.route_edit, name="route_edit"),
    path("routes/import/", routes.route_import, name="route_import"),
    path("plan/", planner.week, name="plan"),
    # 三色单
    path("notices/", notices.notice_list, name="notices"),
    path("notices/new/", notices.notice_new, name="notice_new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/print/", notices.notice_print, name="notice_print"),
    path("subjects/<int:pk>/", notices.subject_history, name="subject"),
    # figures
    path("figures/", figures.figures, name="figures"),
]
