"""Deduction scoring of inspections (DOMAIN.md §9): 百分制, deductions per fault,
a cap per item, never below 0."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sanitation.models import InspectionItem

ZERO = Decimal(0)


def item_deduction(item: InspectionItem, count: int) -> Decimal:
    """The points an item takes off for ``count`` faults: deduction × count, at most its cap."""
    if count < 0:
        raise ValueError("a fault count cannot be negative")
    taken = item.deduction * count
    return min(taken, item.cap) if item.cap is not None else taken


def score(
    full: Decimal, items: Iterable[InspectionItem], counts: Mapping[int, int]
) -> tuple[Decimal, dict[int, Decimal]]:
    """(score, deduction per item id) for fault ``counts`` by item id; the score is full minus
    every item's capped deduction, and never below zero."""
    deductions = {item.id: item_deduction(item, counts.get(item.id, 0)) for item in items}
    return max(full - sum(deductions.values(), ZERO), ZERO), deductions
