from django.urls import path

from org import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/<str:role>/", views.start, name="start"),
]
