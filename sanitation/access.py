"""Who may keep and who may read sanitation data (DOMAIN.md §2), in one place.

Assessors (and the admin) keep the ledgers, inspections and sorting records;
dispatchers and shift leaders read the whole city; a leader reads the region
of their staff profile.
"""

from __future__ import annotations

from datetime import date

from org.models import Region
from org.roles import Role
from org.selectors import user_roles

EDIT_ROLES = frozenset({Role.ASSESSOR, Role.ADMIN})
CITYWIDE_READERS = frozenset({Role.ASSESSOR, Role.ADMIN, Role.DISPATCHER, Role.SHIFT_LEADER})
READ_ROLES = CITYWIDE_READERS | {Role.LEADER}


def may_edit(user) -> bool:
    return bool(user_roles(user) & EDIT_ROLES)


def may_read(user) -> bool:
    return bool(user_roles(user) & READ_ROLES)


def read_scope(user) -> Region | None:
    """The region a reader is confined to; None means the whole city (also for
    someone who may not read at all: check ``may_read`` first)."""
    roles = user_roles(user)
    if roles & CITYWIDE_READERS or Role.LEADER not in roles:
        return None
    profile = getattr(user, "profile", None)
    return profile.region if profile is not None else None


def parse_month(text: str) -> date | None:
    """'2026-03' (an <input type=month>) or '2026-03-01' → date(2026, 3, 1); None if not a month."""
    text = (text or "").strip()
    try:
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return date.fromisoformat(text).replace(day=1)
    except ValueError:
        return None
