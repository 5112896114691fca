from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = _("citymgmt 数字城管 · 系统管理")
admin.site.site_title = _("citymgmt 系统管理")
admin.site.index_title = _("基础数据与人员")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/reports/", include("reports.urls", namespace="reports-api")),
    path("api/v1/", include("cases.urls", namespace="api")),
    path("work/", include("cases.web.urls")),
    path("open311/v2/", include("cases.open311.urls")),
    path("report/", include("cases.web.public_urls")),
    path("patrols/", include("patrols.web.urls")),
    path("sanitation/", include("sanitation.web.urls")),
    path("reports/", include("reports.web.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("health/", include("citymgmt.health_urls")),
    path("", include("citymgmt.security_urls")),
    path("", include("org.urls")),
]
# A URL no route matches under /api/ (e.g. /api/v1/photos/abc/) answers the API's JSON 404.
handler404 = "citymgmt.api.not_found"
# Uploaded photos are never served as files under MEDIA_URL, not even with DEBUG: only
# through the views that check who may see them (cases/urls.py `photo`, the public page).
