"""Placeholder: being built (issue 6)."""

urlpatterns: list = []
