"""Pages of the reports app under /reports/ (namespace "reports")."""

from django.urls import include, path

from reports.web.staff import staff_scores

app_name = "reports"

urlpatterns = [
    path("", include("reports.web.urls_dashboard")),
    path("bulletins/", include("reports.web.urls_bulletins")),
    path("staff/", staff_scores, name="staff"),
]
