"""Rates, scores and ranks of DOMAIN.md §7, from the stored counts.

Pure functions: they take counts (dicts of the names in ``reports.models.COUNTS``)
and give what the pages, the API and the bulletins show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reports.models import COUNTS

# rate -> (numerator, denominator), DOMAIN.md §7. A zero denominator gives None
# ("—"), never 0 % or 100 %.
RATES: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "filed"),  # 结案率 = 结案数 / 应结案数
    "on_time_closure_rate": ("closed_on_time", "filed"),  # 按期结案率 = 按期结案数 / 应结案数
    "handling_rate": ("handled", "filed"),  # 处置率
    "on_time_handling_rate": ("handled_on_time", "filed"),  # 按期处置率
    "rework_rate": ("rework", "handled"),  # 返工率 = 返工数 / 处置数
    "delay_rate": ("delayed", "filed"),  # 延期率
    "dispatch_accuracy": ("dispatched_right", "dispatched"),  # (派遣数 − 批准回退数) / 派遣数
    "hotline_response_rate": ("hotline_responded", "hotline_dispatched"),
    "hotline_resolution_rate": ("callbacks_resolved", "callbacks"),
    "hotline_satisfaction_rate": ("callbacks_satisfied", "callbacks"),
}

# Score components: name -> (weight field of AssessmentScheme, how to read it).
COMPONENTS = ("on_time_closure", "closure", "rework", "satisfaction", "sanitation")

FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for name in COUNTS:
        total[name] = total.get(name, 0) + int(more.get(name) or 0)
    return total


def ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR, rounding=ROUND_HALF_UP)


def rates(counts: dict[str, int]) -> dict[str, Decimal | None]:
    """The §7 rates as fractions 0–1 (4 decimals), None for a zero denominator.

    >>> rates({**zero_counts(), "filed": 972, "closed": 911, "closed_on_time": 737})["closure_rate"]
    Decimal('0.9372')
    """
    values = {**counts, "dispatched_right": counts.get("dispatched", 0) - counts.get("returned", 0)}
    return {name: ratio(values.get(num, 0), values.get(den, 0)) for name, (num, den) in RATES.items()}


def percent(value: Decimal | float | None) -> str:
    """93.72 % style, "—" for no value."""
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(TWO, rounding=ROUND_HALF_UP)} %"


@dataclass(frozen=True)
class Score:
    score: Decimal | None
    missing: tuple[str, ...]  # components without a value, re-weighted over the rest
    reweighted: bool


def score(
    unit_rates: dict[str, Decimal | None],
    sanitation: Decimal | None,
    weights: dict[str, Decimal],
    *,
    with_sanitation: bool = True,
) -> Score:
    """综合考评得分 (DOMAIN.md §7): 40 × 按期结案率 + 20 × 结案率 + 10 × (1 − 返工率)
    + 10 × 满意率 + 20 × 环卫得分 / 100 with the default weights; a missing
    component is left out and the others re-weighted to 100. Departments have
    no sanitation component (``with_sanitation=False``): that is not "missing".
    """
    rework = unit_rates.get("rework_rate")
    values = {
        "on_time_closure": unit_rates.get("on_time_closure_rate"),
        "closure": unit_rates.get("closure_rate"),
        "rework": None if rework is None else max(Decimal(0), 1 - rework),
        "satisfaction": unit_rates.get("hotline_satisfaction_rate"),
        "sanitation": None if sanitation is None else Decimal(sanitation) / 100,
    }
    considered = {c: values[c] for c in COMPONENTS if with_sanitation or c != "sanitation"}
    value, missing = weighted(considered, weights)
    return Score(value, missing, bool(missing) or not with_sanitation)


def weighted(values: dict[str, Decimal | None], weights: dict[str, Decimal]) -> tuple[Decimal | None, tuple[str, ...]]:
    """Σ weight × value (values 0–1) scaled to 100 over the components that have
    a value: a missing one is re-weighted over the rest (DOMAIN.md §7). Gives
    the score (2 decimals, None when nothing has a value) and what was missing."""
    considered = [c for c in values if weights.get(c)]
    present = [c for c in considered if values[c] is not None]
    missing = tuple(c for c in considered if values[c] is None)
    total_weight = sum((Decimal(weights[c]) for c in present), Decimal(0))
    if not present or not total_weight:
        return None, missing
    points = sum((Decimal(weights[c]) * Decimal(values[c]) for c in present), Decimal(0))
    return (points * 100 / total_weight).quantize(TWO, rounding=ROUND_HALF_UP), missing


@dataclass
class Ranked:
    code: str
    score: Decimal | None
    on_time: Decimal | None
    closure: Decimal | None
    rank: int | None = None
    rank_change: int | None = None
    red_flag: bool = False
    board: str | None = None


def rank(units: Iterable[Ranked], *, board_size: int = 3, previous: dict[str, int] | None = None) -> list[Ranked]:
    """Ranks by score; ties by 按期结案率, then 结案率, then code (DOMAIN.md §7).
    Rank 1 holds the 流动红旗; the top ``board_size`` form the 红榜, the bottom
    ones the 黑榜 (never overlapping). Units without a score are not ranked."""
    units = list(units)
    scored = [u for u in units if u.score is not None]

    def low(value: Decimal | None) -> Decimal:
        return Decimal(-1) if value is None else value

    scored.sort(key=lambda u: (-u.score, -low(u.on_time), -low(u.closure), u.code))
    for position, unit in enumerate(scored, start=1):
        unit.rank = position
        unit.red_flag = position == 1
        before = (previous or {}).get(unit.code)
        unit.rank_change = None if before is None else before - position
    red = min(board_size, len(scored))
    black = min(board_size, len(scored) - red)
    for unit in scored[:red]:
        unit.board = "red"
    for unit in scored[len(scored) - black :]:
        unit.board = "black"
    return sorted(units, key=lambda u: (u.rank is None, u.rank or 0, u.code))


def grade(value: Decimal | float | None) -> str | None:
    """Role score grades (DOMAIN.md §7): A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below."""
    if value is None:
        return None
    for letter, floor in (("A", 90), ("B", 75), ("C", 60), ("D", 40)):
        if value >= floor:
            return letter
    return "E"
