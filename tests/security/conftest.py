"""Fixtures of the security suite: the people of every role and one of each object."""

import pytest

from tests.cases.conftest import catalogue, frozen, media_root, offices, world  # noqa: F401


@pytest.fixture
def scene(world, media_root):  # noqa: F811  (fixtures imported above)
    """``world`` plus one real object for every URL parameter (see matrix.build_scene)."""
    from tests.security.matrix import build_scene

    return build_scene(world)
