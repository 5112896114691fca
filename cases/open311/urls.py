"""Open311 GeoReport v2 at /open311/v2/ (DOMAIN.md §11): the public channel for other systems.

Every path ends in .json or .xml (the answer's format); anything else under
open311/v2/ is a 404 in the format of its suffix (JSON without one).
"""

from django.urls import re_path

from cases.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests_, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
