"""REST API of the reports app under /api/v1/reports/ (DOMAIN.md §11)."""

urlpatterns: list = []
