"""The leader dashboard (领导驾驶舱): the page and its chart data."""

from django.urls import path

from reports.web import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("data/<str:part>/", dashboard.dashboard_data, name="dashboard_data"),
]
