"""The public reporting and tracking pages, under /report/ (namespace ``public``), no login."""

from django.urls import path

from cases.web import public

app_name = "public"
urlpatterns = [
    path("", public.report, name="report"),
    path("locate/", public.locate, name="locate"),
    path("track/", public.track, name="track"),
    path("track/<str:number>/", public.track_case, name="track_case"),
    path("track/<str:number>/feedback/", public.feedback, name="feedback"),
    path("photos/<int:pk>/", public.photo, name="photo"),
]
