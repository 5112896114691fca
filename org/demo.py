"""The demo city: territory, departments and the demo logins.

示范市 (code 339900, not a real division) lies on a 40 × 50 lattice of
100 m × 100 m unit grids south-west corner at (30.20 N, 120.10 E):

- a community is 2 × 5 grids (10 grids, 200 communities);
- a street is 5 communities side by side, 10 × 5 grids (40 streets);
- the west and east halves are each three districts of 4, 3 and 3 street rows
  (6 districts of 8, 6, 6, 8, 6, 6 streets).

Everything is written with bulk upserts keyed by code, so running the seed
again changes nothing and takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from org.models import Department, Region, StaffProfile, UnitGrid
from org.roles import Role
from org.selectors import forget_departments, forget_grid_index

DEMO_PASSWORD = "demo12345"
CITY_CODE, CITY_NAME = "339900", "示范市"
ORIGIN_LAT, ORIGIN_LNG = 30.20, 120.10
CELL_LAT, CELL_LNG = 0.0009, 0.00104  # about 100 m each way at 30° N
COLS, ROWS = 40, 50
DISTRICT_NAMES = ["城东区", "城南区", "滨湖区", "城西区", "江北区", "高新区"]
# (first street row, number of street rows) of each district within its half.
DISTRICT_BANDS = [(0, 4), (4, 3), (7, 3)]
STREET_NAMES = [
    "和平",
    "解放",
    "人民",
    "新华",
    "建设",
    "胜利",
    "文化",
    "长安",
    "东风",
    "红旗",
    "光明",
    "友谊",
    "幸福",
    "振兴",
    "朝阳",
    "青年",
    "民主",
    "团结",
    "繁荣",
    "安定",
    "兴华",
    "永安",
    "太平",
    "康乐",
    "福田",
    "长青",
    "金桥",
    "银湖",
    "翠苑",
    "明珠",
    "滨江",
    "望江",
    "湖滨",
    "西溪",
    "南苑",
    "北园",
    "东城",
    "锦绣",
    "华夏",
    "天府",
]
COMMUNITY_SUFFIXES = ["东", "西", "南", "北", "中"]
CITY_DEPARTMENTS = [
    ("sz", "市政", "市市政设施管理处"),
    ("hw", "环卫", "市环境卫生管理处"),
    ("yl", "园林", "市园林绿化管理局"),
    ("zf", "城管执法", "市城市管理综合行政执法支队"),
    ("jj", "交警", "市公安局交通警察支队"),
    ("gs", "供水", "市自来水有限公司"),
    ("ps", "排水", "市排水有限公司"),
    ("gd", "供电", "示范市供电公司"),
    ("rq", "燃气", "市燃气集团有限公司"),
    ("zj", "住建", "市住房和城乡建设局"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    roles: tuple[str, ...]
    note: str


def cell_square(col: int, row: int) -> dict:
    lat, lng = ORIGIN_LAT + row * CELL_LAT, ORIGIN_LNG + col * CELL_LNG
    ring = [[lng, lat], [lng + CELL_LNG, lat], [lng + CELL_LNG, lat + CELL_LAT], [lng, lat + CELL_LAT], [lng, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _upsert(model, rows: list[dict], fields: list[str]) -> dict[str, int]:
    """Insert or update rows by code; returns code -> id."""
    objects = [model(**row) for row in rows]
    model.objects.bulk_create(objects, update_conflicts=True, unique_fields=["code"], update_fields=fields)
    codes = [row["code"] for row in rows]
    return dict(model.objects.filter(code__in=codes).values_list("code", "id"))


def _territory_plan() -> tuple[list[dict], list[dict], list[dict], list[tuple[str, int, int, str]]]:
    """Districts, streets, communities (as region rows) and grids (code, col, row, community code)."""
    districts, streets, communities, grids = [], [], [], []
    street_index = 0
    for half in range(2):
        for band, (first_row, n_rows) in enumerate(DISTRICT_BANDS):
            d_number = half * 3 + band + 1
            d_code = f"{CITY_CODE[:4]}{d_number:02d}"
            districts.append({"code": d_code, "name": DISTRICT_NAMES[d_number - 1], "parent": CITY_CODE})
            s_seq = 0
            for s_row in range(first_row, first_row + n_rows):
                for s_col in range(half * 2, half * 2 + 2):
                    s_seq += 1
                    s_code = f"{d_code}{s_seq:03d}"
                    base = STREET_NAMES[street_index]
                    street_index += 1
                    streets.append({"code": s_code, "name": f"{base}街道", "parent": d_code})
                    for c in range(5):
                        c_code = f"{s_code}{c + 1:03d}"
                        name = f"{base}{COMMUNITY_SUFFIXES[c]}社区"
                        communities.append({"code": c_code, "name": name, "parent": s_code})
                        for g in range(10):
                            col = s_col * 10 + c * 2 + g % 2
                            row = s_row * 5 + g // 2
                            grids.append((f"{c_code}{g + 1:03d}", col, row, c_code))
    return districts, streets, communities, grids


GRID_DERIVED_FIELDS = ["name", "community", "street", "district", "geometry", "centroid_lat", "centroid_lng"]
GRID_DERIVED_FIELDS += ["min_lat", "max_lat", "min_lng", "max_lng", "area_m2"]


@transaction.atomic
def seed_territory() -> dict[str, int]:
    districts, streets, communities, grids = _territory_plan()
    ids = _upsert(Region, [{"code": CITY_CODE, "name": CITY_NAME, "level": "city"}], ["name", "level"])
    for level, rows in (("district", districts), ("street", streets), ("community", communities)):
        ids |= _upsert(
            Region,
            [{"code": r["code"], "name": r["name"], "level": level, "parent_id": ids[r["parent"]]} for r in rows],
            ["name", "level", "parent"],
        )
    community_objects = {c.code: c for c in Region.objects.filter(level="community", code__startswith=CITY_CODE[:4])}
    grid_rows = []
    for code, col, row, c_code in grids:
        community = community_objects[c_code]
        grid = UnitGrid(
            code=code, name=f"{community.name}{code[-2:]}号网格", community=community, geometry=cell_square(col, row)
        )
        grid.fill_derived()
        grid_rows.append(grid)
    UnitGrid.objects.bulk_create(
        grid_rows, update_conflicts=True, unique_fields=["code"], update_fields=GRID_DERIVED_FIELDS
    )
    forget_grid_index()  # bulk writes send no signals
    transaction.on_commit(forget_grid_index)
    return {"districts": len(districts), "streets": len(streets), "communities": len(communities), "grids": len(grids)}


@transaction.atomic
def seed_departments() -> int:
    rows = [{"code": code, "kind": kind, "name": name} for code, kind, name in CITY_DEPARTMENTS]
    ids = _upsert(Department, rows, ["kind", "name"])
    streets = Region.objects.filter(level="street", code__startswith=CITY_CODE[:4])
    rows = [{"code": f"jd-{s.code}", "kind": "街道", "name": f"{s.name}办事处", "street_id": s.id} for s in streets]
    ids |= _upsert(Department, rows, ["kind", "name", "street"])
    forget_departments()  # bulk writes send no signals
    transaction.on_commit(forget_departments)
    return len(ids)


def demo_logins() -> list[DemoLogin]:
    logins = [
        DemoLogin("operator", (Role.OPERATOR,), "受理员：热线受理、核实与核查发起、回访"),
        DemoLogin("shiftleader", (Role.SHIFT_LEADER,), "值班长：立案、作废、结案"),
        DemoLogin("dispatcher", (Role.DISPATCHER,), "派遣员：派遣、审批延期/回退/挂账、督办"),
        DemoLogin(
            "duty",
            (Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER),
            "值班员（一人兼受理、值班长、派遣）：从受理到派遣一次办完",
        ),
        DemoLogin("inspector", (Role.INSPECTOR,), "监督员：负责城东区全部网格"),
        DemoLogin("assessor", (Role.ASSESSOR,), "环卫考评员：台账与考评"),
        DemoLogin("leader", (Role.LEADER,), "市领导：全市驾驶舱"),
        DemoLogin("admin", (Role.ADMIN,), "管理员：基础数据、人员、工作日历（/admin/）"),
    ]
    district_codes = [f"{CITY_CODE[:4]}{n:02d}" for n in range(1, len(DISTRICT_NAMES) + 1)]
    for code, name in zip(district_codes, DISTRICT_NAMES, strict=True):
        logins.append(DemoLogin(f"leader-{code}", (Role.LEADER,), f"区领导：只看{name}"))
    for code, name in list(zip(district_codes, DISTRICT_NAMES, strict=True))[1:]:
        logins.append(DemoLogin(f"inspector-{code}", (Role.INSPECTOR,), f"监督员：负责{name}全部网格"))
    for department in Department.objects.filter(code__in=[c for c, _, _ in CITY_DEPARTMENTS]).order_by("code"):
        logins.append(DemoLogin(f"handler-{department.code}", (Role.HANDLER,), f"处置人员：{department.name}"))
    first_office = Department.objects.filter(kind=Department.Kind.STREET_OFFICE).order_by("code").first()
    if first_office is not None:
        count = Department.objects.filter(kind=Department.Kind.STREET_OFFICE).count()
        logins.append(
            DemoLogin(
                f"handler-{first_office.code}",
                (Role.HANDLER,),
                f"处置人员：{first_office.name}（每个街道办一个：handler-jd-<街道代码>，共 {count} 个）",
            )
        )
    return logins


@transaction.atomic
def seed_users() -> int:
    """Demo users, all with password demo12345, their roles, departments and scopes."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hash once: one PBKDF2 run, not one per user
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    departments = {d.code: d for d in Department.objects.filter(code__regex=r"^[a-z]")}
    districts = {r.code: r for r in Region.objects.filter(level="district", code__startswith=CITY_CODE[:4])}

    wanted: dict[str, tuple[tuple[str, ...], Department | None, Region | None]] = {}
    for login in demo_logins():
        if "<" in login.username:
            continue
        scope = districts.get(login.username.removeprefix("leader-").removeprefix("inspector-"))
        wanted[login.username] = (login.roles, None, scope if login.username.startswith("leader-") else None)
    for code, department in departments.items():
        wanted[f"handler-{code}"] = ((Role.HANDLER,), department, None)

    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    new_users = [
        User(username=name, password=password, first_name=_display_name(name, roles, dept))
        for name, (roles, dept, _scope) in wanted.items()
        if name not in existing
    ]
    User.objects.bulk_create(new_users)
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    admin = users["admin"]
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

    Membership = User.groups.through
    Membership.objects.bulk_create(
        [
            Membership(user_id=users[name].id, group_id=groups[role].id)
            for name, (roles, _d, _s) in wanted.items()
            for role in roles
        ],
        ignore_conflicts=True,
    )
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user_id=users[name].id, department=dept, region=scope)
            for name, (_r, dept, scope) in wanted.items()
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["department", "region"],
    )
    _assign_inspectors(users, districts)
    return len(users)


def _assign_inspectors(users: dict, districts: dict) -> None:
    Assignment = UnitGrid.inspectors.through
    rows = []
    for number, code in enumerate(sorted(districts), start=1):
        inspector = users["inspector" if number == 1 else f"inspector-{code}"]
        grid_ids = UnitGrid.objects.filter(district__code=code).values_list("id", flat=True)
        rows += [Assignment(unitgrid_id=grid_id, user_id=inspector.id) for grid_id in grid_ids]
    Assignment.objects.bulk_create(rows, ignore_conflicts=True)


def _display_name(username: str, roles: tuple[str, ...], department: Department | None) -> str:
    if department is not None:
        return f"{department.name}处置员"
    return "、".join(str(Role(role).label) for role in roles)
