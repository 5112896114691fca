"""REST API of the reports app under /api/v1/reports/ (DOMAIN.md §11)."""

from django.urls import path

from reports.api import BreakdownView, MonthlyReportView, TrendView

app_name = "reports-api"

urlpatterns = [
    path("monthly/", MonthlyReportView.as_view(), name="monthly"),
    path("trend/", TrendView.as_view(), name="trend"),
    path("breakdown/", BreakdownView.as_view(), name="breakdown"),
]
