"""Sanitation tests use the lifecycle fixtures of tests/cases."""

from tests.cases.conftest import catalogue, frozen, media_root, offices, world  # noqa: F401
