"""REST API v1 routes (DOMAIN.md §11), mounted at /api/v1/ by citymgmt.urls.

The reference lists of org live here too, so one module says what v1 is.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, CategoryViewSet, PhotoView, UnknownActionView, action_views
from org.api import DepartmentViewSet, GridViewSet, LocateView, RegionViewSet, TokenView
from patrols.api import NoticeViewSet, PatrolViewSet, RouteViewSet, SubjectViewSet, TaskViewSet
from sanitation.api import InspectionPhotoView, InspectionViewSet, SanitationScoresView, SortingRatesView

app_name = "api"

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("regions", RegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
router.register("grids", GridViewSet, basename="grid")
router.register("cases", CaseViewSet, basename="case")
router.register("routes", RouteViewSet, basename="route")
router.register("patrols", PatrolViewSet, basename="patrol")
router.register("tasks", TaskViewSet, basename="patrol-task")
router.register("notices", NoticeViewSet, basename="notice")
router.register("subjects", SubjectViewSet, basename="subject")
router.register("sanitation/inspections", InspectionViewSet, basename="sanitation-inspection")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("locate/", LocateView.as_view(), name="locate"),
    path("photos/<int:pk>/", PhotoView.as_view(), name="photo"),
    path("sanitation/photos/<int:pk>/", InspectionPhotoView.as_view(), name="sanitation-photo"),
    path("sanitation/scores/", SanitationScoresView.as_view(), name="sanitation-scores"),
    path("sanitation/sorting-rates/", SortingRatesView.as_view(), name="sanitation-sorting-rates"),
    *router.urls,
    *[path(f"cases/<str:number>/{name}/", view.as_view(), name=f"case-{name}") for name, view in action_views.items()],
    path("cases/<str:number>/<str:action>/", UnknownActionView.as_view(), name="case-unknown-action"),
]
