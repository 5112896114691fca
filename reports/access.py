"""Who may read the reports (DOMAIN.md §2), and which part, in one place.

Leaders read the region of their staff profile (none: the whole city); the
command centre's shift leaders and dispatchers and the admin read the whole city.
"""

from __future__ import annotations

from org.models import Region
from org.roles import Role
from org.selectors import region_by_id, user_roles

CITYWIDE_READERS = frozenset({Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER})
READ_ROLES = CITYWIDE_READERS | {Role.LEADER}


def may_read(user) -> bool:
    return bool(user_roles(user) & READ_ROLES)


def read_scope(user) -> Region | None:
    """The region a reader is confined to; None means the whole city (check
    ``may_read`` first)."""
    roles = user_roles(user)
    if roles & CITYWIDE_READERS or Role.LEADER not in roles:
        return None
    profile = getattr(user, "profile", None)
    region = region_by_id(profile.region_id) if profile is not None and profile.region_id else None
    return None if region is None or region.level == "city" else region


def region_ids_within(region: Region | None, level: str) -> set[int] | None:
    """Ids of the regions of ``level`` inside ``region`` (itself included when
    it is of that level, and the one containing it when it lies below); None:
    no limit."""
    if region is None or region.level == "city" or level == "department":
        return None
    if region.level == level:
        return {region.id}
    below = Region.objects.filter(level=level)
    if level == "street" and region.level == "district":
        return set(below.filter(parent_id=region.id).values_list("id", flat=True))
    # A street or community leader: the district or street that holds them.
    ancestor = region
    while ancestor is not None and ancestor.level != level:
        ancestor = region_by_id(ancestor.parent_id) if ancestor.parent_id else None
    return {ancestor.id} if ancestor is not None else set()
