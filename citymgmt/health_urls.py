"""The health endpoints (mounted at /health/): see citymgmt/health.py."""

from django.urls import path

from citymgmt.health import HealthView, ReadyView

urlpatterns = [
    path("", HealthView.as_view(), name="health"),
    path("ready/", ReadyView.as_view(), name="health-ready"),
]
