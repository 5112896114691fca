"""Importing unit grids and the regions above them from a GeoJSON FeatureCollection.

Each feature is one 单元网格. Its 15-digit code is the community code + a 3-digit
sequence, so the code alone says which community, street, district and city the
grid belongs to (DOMAIN.md §1); the properties only supply names for regions the
database does not know yet.

The whole file is checked before anything is written: a city's grid layer is
fixed in a GIS tool and imported again, and a half-imported layer would be
harder to reason about than none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from org.geometry import GeometryError, grid_shape_facts
from org.models import PARENT_LEVEL, Region, UnitGrid

# Parents first, so each region is created after the one it hangs under.
LEVELS = ("city", "district", "street", "community")
NAME_PROPERTY = {
    "city": "city_name",
    "district": "district_name",
    "street": "street_name",
    "community": "community_name",
}
REGION_NAME_MAX_LENGTH = Region._meta.get_field("name").max_length
GRID_NAME_MAX_LENGTH = UnitGrid._meta.get_field("name").max_length
GRID_CODE_PATTERN = re.compile(r"\d{15}")
JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be imported, located for the person fixing it."""

    reason: str
    feature_number: int | None = None  # 1-based position in "features"
    line: int | None = None  # where the feature (or the JSON error) is in the file
    code: str | None = None

    def __str__(self) -> str:
        if self.feature_number is None:
            return self.reason
        where = {"number": self.feature_number, "line": self.line, "code": self.code}
        if self.code:
            place = _("第 %(number)d 个要素（第 %(line)d 行，网格 %(code)s）") % where
        else:
            place = _("第 %(number)d 个要素（第 %(line)d 行）") % where
        return f"{place}：{self.reason}"


class GridImportError(ValueError):
    """The file has problems; nothing was imported. ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class ImportResult:
    regions_created: int
    regions_renamed: int
    grids_created: int
    grids_updated: int
    dry_run: bool


def import_grids(*, text: str, dry_run: bool = False) -> ImportResult:
    """Create or update unit grids (and missing regions) from GeoJSON text.

    Region codes follow from the grid code: community = code[:12], street =
    code[:9], district = code[:6], city = code[:4] + "00" (GB/T 2260 + 3 + 3,
    DOMAIN.md §1). Grids are matched by code, so importing the same file twice
    updates rather than duplicates. Raises GridImportError listing every
    problem, having written nothing; with ``dry_run`` only the counts are
    worked out.
    """
    features = _read_features(text)
    try:
        with transaction.atomic():
            plan = _plan(features)
            if plan.problems:
                raise GridImportError(sorted(plan.problems, key=lambda p: p.feature_number or 0))
            # Counted before writing: afterwards every region exists and has its new name.
            result = plan.result(dry_run=dry_run)
            if not dry_run:
                _apply(plan)
    except IntegrityError:
        # Another import or an admin created the same region or grid between our
        # check and our write; the transaction is rolled back, so retrying is safe.
        raise GridImportError([Problem(_("导入期间区划或网格被其他操作修改，未导入任何数据，请重试。"))]) from None
    return result


# --- Reading the file --------------------------------------------------------


@dataclass(frozen=True)
class _RawFeature:
    number: int
    line: int
    value: Any


def _read_features(text: str) -> list[_RawFeature]:
    """The features with their 1-based number and starting line, or GridImportError."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = _("文件不是有效的 JSON（第 %(line)d 行第 %(column)d 列）：%(error)s") % {
            "line": exc.lineno,
            "column": exc.colno,
            "error": exc.msg,
        }
        raise GridImportError([Problem(reason, line=exc.lineno)]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GridImportError([Problem(_("文件不是 GeoJSON FeatureCollection（顶层 type 应为 FeatureCollection）。"))])
    values = document.get("features")
    if not isinstance(values, list):
        raise GridImportError([Problem(_("FeatureCollection 缺少 features 数组。"))])
    if not values:
        raise GridImportError([Problem(_("文件中没有要素，未导入任何数据。"))])
    lines = _line_numbers(text, _feature_offsets(text))
    return [
        _RawFeature(number=n, line=line, value=value)
        for n, (line, value) in enumerate(zip(lines, values, strict=True), 1)
    ]


def _skip_whitespace(text: str, pos: int) -> int:
    return JSON_WHITESPACE.match(text, pos).end()


def _feature_offsets(text: str) -> list[int]:
    """Where each element of the top-level "features" array starts in the text.

    Walks only the top-level object, decoding every other value whole, so a
    "features" key nested inside, say, a property is never mistaken for the
    real one. Called only on text json.loads accepted, so the walk need not
    handle malformed JSON. Like json.loads, the last "features" key wins.
    """
    decoder = json.JSONDecoder()
    offsets: list[int] = []
    pos = _skip_whitespace(text, _skip_whitespace(text, 0) + 1)  # past "{"
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_whitespace(text, _skip_whitespace(text, pos) + 1)  # past ":"
        if key == "features" and text[pos] == "[":
            offsets, pos = _array_element_offsets(decoder, text, pos)
        else:
            _, pos = decoder.raw_decode(text, pos)
        pos = _skip_whitespace(text, pos)
        if text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)
    return offsets


def _array_element_offsets(decoder: json.JSONDecoder, text: str, pos: int) -> tuple[list[int], int]:
    """Offsets of the elements of the array starting at ``pos``, and the offset after it."""
    offsets = []
    pos = _skip_whitespace(text, pos + 1)  # past "["
    while text[pos] != "]":
        offsets.append(pos)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_whitespace(text, pos)
        if text[pos] == ",":
            pos = _skip_whitespace(text, pos + 1)
    return offsets, pos + 1


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    # Counting from the previous offset keeps this linear for a city of
    # thousands of grids; counting from the start each time would be quadratic.
    lines, line, previous = [], 1, 0
    for offset in offsets:
        line += text.count("\n", previous, offset)
        lines.append(line)
        previous = offset
    return lines


# --- Checking each feature on its own ----------------------------------------


@dataclass
class _Feature:
    number: int
    line: int
    code: str | None = None
    grid_name: str | None = None
    region_names: dict[str, str] = field(default_factory=dict)
    # Levels whose name property was present but unusable: already reported,
    # so a "missing name" for them would only repeat the problem.
    bad_name_levels: set[str] = field(default_factory=set)
    geometry: dict | None = None
    problems: list[str] = field(default_factory=list)


def _check_feature(raw: _RawFeature) -> _Feature:
    feature = _Feature(number=raw.number, line=raw.line)
    value = raw.value
    if not isinstance(value, dict):
        feature.problems.append(_("要素必须是 JSON 对象。"))
        return feature
    if value.get("type") != "Feature":
        feature.problems.append(_("要素的 type 应为 Feature。"))
        return feature
    properties = value.get("properties") or {}
    if not isinstance(properties, dict):
        feature.problems.append(_("要素的 properties 必须是对象。"))
        return feature
    feature.code = _grid_code(properties.get("code"), feature.problems)
    feature.grid_name = _optional_name(properties, "name", GRID_NAME_MAX_LENGTH, feature.problems)
    for level, key in NAME_PROPERTY.items():
        problems_before = len(feature.problems)
        name = _optional_name(properties, key, REGION_NAME_MAX_LENGTH, feature.problems)
        if name is not None:
            feature.region_names[level] = name
        elif len(feature.problems) > problems_before:
            feature.bad_name_levels.add(level)
    try:
        grid_shape_facts(value.get("geometry"))
    except GeometryError as exc:
        feature.problems.append(str(exc))
    else:
        feature.geometry = value["geometry"]
    return feature


def _grid_code(value: Any, problems: list[str]) -> str | None:
    if value is None or value == "":
        problems.append(_("缺少网格编码（properties.code）。"))
        return None
    # Exported from a numeric attribute column, a 15-digit code arrives as a
    # JSON number; it cannot have lost a leading zero, as no region code starts with 0.
    code = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if code is None or not GRID_CODE_PATTERN.fullmatch(code):
        problems.append(_("网格编码 %(code)s 应为 15 位数字（12 位社区代码 + 3 位序号）。") % {"code": value})
        return None
    if code[4:6] == "00":
        # xxxx00 is the city's own GB/T 2260 code, so the district would be the city.
        problems.append(_("网格编码 %(code)s 的第 5–6 位（区/县）不能为 00。") % {"code": code})
        return None
    return code


def _optional_name(properties: dict, key: str, max_length: int, problems: list[str]) -> str | None:
    value = properties.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(_("%(key)s 应为文本。") % {"key": key})
        return None
    name = value.strip()
    if len(name) > max_length:
        problems.append(_("%(key)s 超过 %(n)d 个字符。") % {"key": key, "n": max_length})
        return None
    return name or None


def region_codes(grid_code: str) -> dict[str, str]:
    """Level -> region code implied by a grid code (DOMAIN.md §1)."""
    return {
        "city": grid_code[:4] + "00",
        "district": grid_code[:6],
        "street": grid_code[:9],
        "community": grid_code[:12],
    }


# --- Checking the file against the database ----------------------------------


@dataclass
class _PlannedRegion:
    code: str
    level: str
    parent_code: str | None
    existing: Region | None
    name: str | None = None
    named_by: int | None = None  # the feature that first gave the name
    missing_name_reported: bool = False

    @property
    def renamed(self) -> bool:
        return self.existing is not None and self.name is not None and self.name != self.existing.name


@dataclass
class _PlannedGrid:
    code: str
    name: str | None
    geometry: dict
    existing: UnitGrid | None


@dataclass
class _Plan:
    existing_regions: dict[str, Region]
    existing_grids: dict[str, UnitGrid]
    regions: dict[str, _PlannedRegion] = field(default_factory=dict)
    grids: list[_PlannedGrid] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add_problem(self, feature: _Feature, reason: str) -> None:
        self.problems.append(Problem(reason, feature_number=feature.number, line=feature.line, code=feature.code))

    def result(self, *, dry_run: bool) -> ImportResult:
        regions = self.regions.values()
        return ImportResult(
            regions_created=sum(1 for r in regions if r.existing is None),
            regions_renamed=sum(1 for r in regions if r.renamed),
            grids_created=sum(1 for g in self.grids if g.existing is None),
            grids_updated=sum(1 for g in self.grids if g.existing is not None),
            dry_run=dry_run,
        )


def _plan(raw_features: list[_RawFeature]) -> _Plan:
    features = [_check_feature(raw) for raw in raw_features]
    codes = [f.code for f in features if f.code]
    all_region_codes = {code for grid_code in codes for code in region_codes(grid_code).values()}
    plan = _Plan(
        existing_regions={r.code: r for r in Region.objects.filter(code__in=all_region_codes).select_related("parent")},
        existing_grids={g.code: g for g in UnitGrid.objects.filter(code__in=codes)},
    )
    first_with_code: dict[str, int] = {}
    for feature in features:
        for reason in feature.problems:
            plan.add_problem(feature, reason)
        if feature.code is None:
            continue
        if feature.code in first_with_code:
            reason = _("网格编码与第 %(number)d 个要素重复。") % {"number": first_with_code[feature.code]}
            plan.add_problem(feature, reason)
            continue
        first_with_code[feature.code] = feature.number
        _plan_regions(plan, feature)
        if feature.geometry is not None:
            existing = plan.existing_grids.get(feature.code)
            plan.grids.append(_PlannedGrid(feature.code, feature.grid_name, feature.geometry, existing))
    return plan


def _plan_regions(plan: _Plan, feature: _Feature) -> None:
    codes = region_codes(feature.code)
    for level in LEVELS:
        parent_level = PARENT_LEVEL.get(level)
        region = plan.regions.get(codes[level])
        if region is None:
            region = _first_mention(plan, feature, level, codes[level], codes[parent_level] if parent_level else None)
        _plan_region_name(plan, feature, region)


def _first_mention(plan: _Plan, feature: _Feature, level: str, code: str, parent_code: str | None) -> _PlannedRegion:
    existing = plan.existing_regions.get(code)
    region = _PlannedRegion(code=code, level=level, parent_code=parent_code, existing=existing)
    plan.regions[code] = region
    conflict = _conflict_with_existing(region) if existing is not None else None
    if conflict:
        plan.add_problem(feature, conflict)
    return region


def _conflict_with_existing(region: _PlannedRegion) -> str | None:
    """Why the region already in the database cannot be the one the grid code implies."""
    existing = region.existing
    if existing.level != region.level:
        return _("区划 %(code)s 已存在，但层级是%(actual)s而不是%(expected)s。") % {
            "code": region.code,
            "actual": existing.get_level_display(),
            "expected": Region.Level(region.level).label,
        }
    actual_parent = existing.parent.code if existing.parent else None
    # A city's parent is outside the region tree this platform manages.
    if region.parent_code is not None and actual_parent != region.parent_code:
        return _("区划 %(code)s 已存在，但上级是 %(actual)s 而不是 %(expected)s。") % {
            "code": region.code,
            "actual": actual_parent or _("（无）"),
            "expected": region.parent_code,
        }
    return None


def _plan_region_name(plan: _Plan, feature: _Feature, region: _PlannedRegion) -> None:
    name = feature.region_names.get(region.level)
    key = NAME_PROPERTY[region.level]
    if name is not None and region.name is None:
        region.name, region.named_by = name, feature.number
    elif name is not None and name != region.name:
        reason = _("%(key)s「%(name)s」与第 %(number)d 个要素给出的「%(first)s」不一致。") % {
            "key": key,
            "name": name,
            "number": region.named_by,
            "first": region.name,
        }
        plan.add_problem(feature, reason)
    elif (
        name is None
        and region.name is None
        and region.existing is None
        and not region.missing_name_reported
        and region.level not in feature.bad_name_levels
    ):
        # Reported once, at the first feature that needs the region: the fix is
        # one name there, not one per grid of the community.
        region.missing_name_reported = True
        reason = _("新%(level)s %(code)s 需要名称，请填写 %(key)s。") % {
            "level": Region.Level(region.level).label,
            "code": region.code,
            "key": key,
        }
        plan.add_problem(feature, reason)


# --- Writing -----------------------------------------------------------------


def _apply(plan: _Plan) -> None:
    regions = dict(plan.existing_regions)
    for level in LEVELS:
        for planned in plan.regions.values():
            if planned.level != level:
                continue
            if planned.existing is None:
                regions[planned.code] = Region.objects.create(
                    code=planned.code,
                    name=planned.name,
                    level=planned.level,
                    parent=regions.get(planned.parent_code),
                )
            elif planned.renamed:
                planned.existing.name = planned.name
                planned.existing.save(update_fields=["name"])
    for planned in plan.grids:
        grid = planned.existing or UnitGrid(code=planned.code)
        grid.community = regions[region_codes(planned.code)["community"]]
        grid.geometry = planned.geometry
        if planned.name is not None:
            grid.name = planned.name
        grid.save()  # derives centroid, bounding box, area, street and district
