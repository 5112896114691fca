"""Bulletin pages under /reports/bulletins/ (namespace ``reports``)."""

from django.urls import path

from reports.web import bulletins

urlpatterns = [
    path("", bulletins.bulletin_list, name="bulletin_list"),
    path("daily/generate/", bulletins.bulletin_generate, name="bulletin_generate"),
    path("daily/<str:day>.xlsx", bulletins.bulletin_daily_xlsx, name="bulletin_daily_xlsx"),
    path("daily/<str:day>/", bulletins.bulletin_daily, name="bulletin_daily"),
    path("monthly/", bulletins.bulletin_monthly, name="bulletin_monthly"),
    path("monthly.xlsx", bulletins.bulletin_monthly_xlsx, name="bulletin_monthly_xlsx"),
]
