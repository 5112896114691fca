"""Routes of the security hardening (mounted at the site root)."""

from django.urls import path

from citymgmt.security import TokenRevokeView

urlpatterns = [
    path("api/v1/auth/token/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
]
