"""Personal data of callers (DOMAIN.md §10)."""

from __future__ import annotations

from org.selectors import user_roles

# Only these roles see a caller's name and phone in full.
PERSONAL_DATA_ROLES = {"operator", "shift_leader", "dispatcher"}


def can_see_caller(user) -> bool:
    return bool(user_roles(user) & PERSONAL_DATA_ROLES)


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits of a mobile number."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return "*" * len(phone)


def mask_name(name: str) -> str:
    """张** : the family name and one star per other character."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
