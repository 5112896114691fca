"""Six months of demo case history, made through the case services.

Every case is told as a story (``_story``): a generator that yields the moment
of its next action. ``_Simulation`` runs all stories in one time order with the
service clock set to each moment (``cases.clock.acting_at``), so numbers,
timelines, step windows, deadlines and lights come out exactly as if people
had done the work, and a duplicate is linked to an original that really
existed at that moment. The periodic supervision scan runs a few times a
working day, as beat would.

Staff act in working time mostly (the command centre also on evening and
weekend duty); citizens call at any hour. Cases of the last few days stop in
chosen states so that every state of DOMAIN.md §4 is on screen, whatever day
the seed runs. One fixed seed makes the history reproducible.
"""

from __future__ import annotations

import heapq
import io
import itertools
import logging
import random
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from cases import clock, deadlines, services
from cases.errors import CaseError
from cases.models import Case, Category, Source, Status
from org.models import Department, Region, UnitGrid
from org.selectors import user_roles
from org.worktime import TimeUnit, get_work_calendar

DEMO_CASES = 1500
DEMO_MONTHS = 6
DEMO_SEED = 339900
RECENT_DAYS = 4  # cases reported this recently stop in a chosen state
DUPLICATE_WINDOW_DAYS = 7  # a duplicate comes in within a week of its original
SCAN_TIMES = [time(10, 0), time(15, 30)]  # when the supervision scan runs in the story (beat: every minute)
DUTY_HOURS = (time(7, 30), time(21, 30))  # the command centre's duty outside working time

log = logging.getLogger(__name__)

# --- what cases are about -----------------------------------------------------------------
# category code: (relative frequency, problems as reported, results as fed back)
CATEGORY_TEXTS: dict[str, tuple[int, list[str], list[str]]] = {
    "01001": (
        2,
        ["供水井盖破损，存在安全隐患", "供水井盖松动，车辆经过有响声", "供水井盖缺失，行人易踩空"],
        ["已更换供水井盖", "已加固井盖并复位"],
    ),
    "01002": (
        3,
        ["污水井盖破损", "污水井盖下沉，路面不平", "污水井冒溢，污水流到人行道"],
        ["已更换污水井盖", "已疏通管道，冒溢停止"],
    ),
    "01003": (3, ["雨水井盖缺失", "雨水井盖破裂", "雨水井盖错位"], ["已补装雨水井盖", "已更换破损井盖"]),
    "01004": (3, ["雨水箅子堵塞，下雨积水", "雨水箅子缺失", "雨水箅子破损"], ["已清掏雨水箅子", "已更换雨水箅子"]),
    "01037": (
        4,
        ["路灯不亮", "路灯白天常亮", "路灯灯杆倾斜", "路灯灯罩脱落"],
        ["已更换灯具，恢复照明", "已检修线路，路灯正常"],
    ),
    "02017": (2, ["交通护栏被撞倒", "交通护栏缺失一段", "交通护栏松动倾斜"], ["已扶正加固护栏", "已补装护栏"]),
    "03001": (
        2,
        ["公共厕所卫生差、有异味", "公共厕所水龙头损坏", "公共厕所未按时开放"],
        ["已清洁消毒", "已维修供水设施"],
    ),
    "03005": (4, ["垃圾箱破损", "垃圾箱满溢未清运", "垃圾箱缺失"], ["已更换垃圾箱", "已清运并清洗垃圾箱"]),
    "04002": (
        3,
        ["行道树枯死", "行道树倒伏影响通行", "行道树枝条遮挡信号灯"],
        ["已修剪枝条", "已扶正并加固", "已移除枯树并补植"],
    ),
    "06001": (
        3,
        ["楼顶私搭乱建彩钢棚", "沿街违规搭建雨棚", "小区绿地内私搭乱建"],
        ["已责令当事人自行拆除", "已依法拆除违建"],
    ),
    "06007": (5, ["沿街晾晒衣物影响市容", "在行道树之间拉绳晾挂"], ["已劝导当事人收回", "已拆除晾衣绳"]),
    "06010": (
        12,
        ["路边有暴露垃圾", "绿化带内暴露垃圾", "垃圾袋堆放在路边无人清理"],
        ["已清理完毕", "已清理并冲洗地面"],
    ),
    "06011": (5, ["积存建筑垃圾渣土", "路边堆放装修垃圾多日未清运"], ["已清运渣土", "已联系物业清运完毕"]),
    "06012": (6, ["路面油污明显", "道路泥泞不洁", "人行道脏乱"], ["已安排保洁员清扫", "已冲洗路面"]),
    "06013": (
        4,
        ["道路出现坑槽", "人行道地砖破损松动", "路面塌陷"],
        ["已修补坑槽", "已更换破损地砖", "已设置围挡并修复"],
    ),
    "06014": (3, ["渣土车遗撒泥土", "道路上有砂石遗撒"], ["已清扫遗撒物", "已清扫并冲洗路面"]),
    "06017": (4, ["绿地内垃圾较多", "绿化带内有白色垃圾"], ["已清理绿地垃圾", "已安排养护人员清理"]),
    "06027": (2, ["餐饮店油烟直排扰民", "烧烤摊油烟污染"], ["已责令安装油烟净化设施", "已劝导整改，现场无油烟"]),
    "06036": (10, ["楼道口乱堆杂物", "沿街乱堆纸箱杂物", "人行道上堆放杂物"], ["已清理杂物", "已劝导商户自行清理"]),
    "06041": (3, ["垃圾未分类投放", "厨余垃圾混入其他垃圾桶"], ["已督促分类投放", "已二次分拣并宣传"]),
    "06042": (5, ["垃圾桶满溢", "垃圾中转站满溢有异味"], ["已清运满溢垃圾", "已增加清运频次"]),
    "07001": (9, ["电线杆上张贴小广告", "墙面喷涂小广告", "公交站牌贴满小广告"], ["已清除小广告", "已铲除并覆盖"]),
    "07003": (2, ["违规设置户外广告牌", "广告牌破损有坠落风险"], ["已拆除违规广告牌", "已责令业主加固"]),
    "08004": (2, ["工地扬尘严重", "工地裸土未覆盖"], ["已督促工地覆盖裸土、洒水降尘", "已责令整改"]),
    "08011": (2, ["渣土车未密闭运输", "渣土车车厢未覆盖"], ["已查处并责令整改", "已通报运输公司"]),
    "09001": (6, ["无照流动摊贩占道经营", "路口游商兜售水果"], ["已劝离游商", "已依法处置"]),
    "09005": (9, ["商户店外经营", "门店出店摆卖"], ["已劝导商户入店经营", "已责令整改到位"]),
    "09006": (7, ["占用人行道摆摊经营", "早市占道经营"], ["已清理占道摊点", "已引导进入规范市场"]),
    "09009": (8, ["机动车占用人行道停放", "车辆堵塞消防通道", "路口乱停车"], ["已联系车主挪车", "已张贴违停告知单"]),
}
SELF_HANDLED_CATEGORIES = {"06007", "06010", "06012", "06036", "07001", "09001", "09005"}
CHANNELS = [("patrol", 46), ("hotline", 28), ("video", 10), ("public", 9), ("leader", 4), ("media", 3)]
PREFIX = {
    "patrol": "巡查发现：",
    "hotline": "市民来电反映：",
    "video": "视频智能识别：",
    "public": "市民通过“随手拍”上报：",
    "leader": "领导交办：",
    "media": "媒体曝光：",
}
HOTLINE_TYPES = [("complaint", 60), ("help", 25), ("suggestion", 10), ("consult", 5)]
ROADS = ["建设路", "解放路", "人民路", "中山路", "文化路", "长江路", "黄河路", "新华街", "光明巷", "幸福里", "朝阳路"]
ROADS += ["东风路", "青年路", "和平大道", "学院路", "工农路", "花园街", "体育路", "育才路", "滨河路"]
SPOTS = ["附近", "门口", "路口", "对面", "东侧", "西侧", "旁"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅"
PHONE_PREFIXES = ["138", "139", "137", "136", "135", "150", "151", "158", "159", "186", "187", "188", "177", "189"]

REJECT_REASONS = ["不属于城市管理受理范围，已告知诉求人向相关部门反映", "诉求内容不清，无法定位，已电话告知诉求人"]
CONSULT_REJECT = "属于咨询类诉求，已当场答复诉求人"
VOID_REASONS = ["重复登记，作废", "误报：现场无此问题", "登记信息有误，作废后重新登记"]
RETURN_REASONS = ["该问题不属于本单位职责范围，申请回退", "经现场查看，设施权属不是本单位，申请改派"]
DELAY_REASONS = ["需协调产权单位共同处置，申请延期", "材料采购需要时间，申请延期", "连续降雨无法施工，申请延期"]
SUSPEND_REASONS = ["需纳入道路改造工程统一实施，申请挂账", "季节性问题，待汛期结束后处置，申请挂账"]
REWORK_REASONS = ["现场仍有残留，未处置到位", "处置不彻底，问题仍然存在"]
SUPERVISE_NOTES = ["请加快处置，按期反馈", "群众反映强烈，请尽快处置", "请于今日内处置完毕"]
CONTACT_NOTES = ["已电话联系诉求人，说明处置安排", "已联系诉求人，约定现场查看时间", "已短信告知诉求人处置进度"]
DENY_RETURN = "经核实属于贵单位职责，请按时处置"
DENY_DELAY = "时限内可以完成，不同意延期"
REOPEN_REASON = "回访不满意，问题仍未解决，重新办理"


@dataclass
class _Grid:
    id: int
    district_id: int
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float
    place: str  # street + community, e.g. 和平街道和平东社区


@dataclass
class _Plan:
    """What will happen to one case, decided up front from the case's own seed."""

    index: int
    rng: random.Random
    source: str
    category: str
    grid: _Grid
    reported_at: datetime
    fate: str = "close"  # close, reject, void, duplicate, suspended, stuck, unsigned
    stop: str | None = None  # recent cases: the state the story ends in
    must: bool = False  # recent cases: squeeze the story in before the end
    flags: set[str] = field(default_factory=set)
    satisfaction: str = "satisfied"
    hotline_type: str = ""
    original: int | None = None  # duplicates: the plan index of the original
    lat: float = 0.0
    lng: float = 0.0


class _Refused(Exception):
    pass


# --- the people -----------------------------------------------------------------------------


@dataclass
class _Cast:
    operator: object
    shift_leader: object
    dispatcher: object
    inspectors: dict[int, object]  # district id -> the district's inspector
    leaders: dict[int, object]  # district id -> the district leader
    handlers: dict[int, object]  # department id -> its demo handler

    @classmethod
    def load(cls) -> _Cast:
        users = {u.username: u for u in get_user_model().objects.select_related("profile")}
        districts = {r.code: r.id for r in Region.objects.filter(level="district")}
        first = min(districts)
        inspectors = {i: users["inspector" if code == first else f"inspector-{code}"] for code, i in districts.items()}
        handlers = {d.id: users[f"handler-{d.code}"] for d in Department.objects.filter(is_active=True)}
        for user in users.values():
            user_roles(user)  # cached on the object: one query per person, not per action
        return cls(
            operator=users["operator"],
            shift_leader=users["shiftleader"],
            dispatcher=users["dispatcher"],
            inspectors=inspectors,
            leaders={i: users[f"leader-{code}"] for code, i in districts.items()},
            handlers=handlers,
        )

    def reporters(self) -> list:
        return [self.operator, *self.inspectors.values()]


# --- photos: a few tiny PNGs, made once ----------------------------------------------------------


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "PNG")
    return buffer.getvalue()


PHOTO_COLOURS = {"report": (170, 60, 50), "after": (60, 150, 80), "check": (60, 90, 170), "video": (110, 110, 110)}


class _Photos:
    def __init__(self) -> None:
        self.content = {kind: _png(colour) for kind, colour in PHOTO_COLOURS.items()}
        self.counter = itertools.count(1)

    def __call__(self, kind: str) -> list[SimpleUploadedFile]:
        name = f"demo-{kind}-{next(self.counter):05d}.png"
        return [SimpleUploadedFile(name, self.content[kind], content_type="image/png")]


# --- the simulation ----------------------------------------------------------------------------


class _Simulation:
    def __init__(self, *, cast: _Cast, end: datetime, seed: int):
        self.cast, self.end, self.seed = cast, end, seed
        self.calendar = get_work_calendar()
        self.tz = self.calendar.tz
        self.photos = _Photos()
        self.cases: dict[int, Case] = {}  # plan index -> the case, once reported
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        self.city_departments = list(
            Department.objects.exclude(kind=Department.Kind.STREET_OFFICE).filter(is_active=True).order_by("code")
        )
        self.actions = 0
        self.refused: Counter[str] = Counter()

    # moments ------------------------------------------------------------------------------------
    def office(self, t: datetime, rng: random.Random, low: float, high: float) -> datetime:
        """The command centre acts ``low``–``high`` minutes later; outside working
        time it is sometimes the duty officer, otherwise the next working morning."""
        moment = t + timedelta(minutes=rng.uniform(low, high))
        if self.calendar.is_working_time(moment):
            return moment
        local = moment.astimezone(self.tz).time()
        if DUTY_HOURS[0] <= local <= DUTY_HOURS[1] and rng.random() < 0.35:
            return moment
        return self.calendar.add_working_time(moment, timedelta(minutes=rng.uniform(2, 45)))

    def field(self, t: datetime, rng: random.Random, low: float, high: float) -> datetime:
        """Departments and inspectors act ``low``–``high`` working hours later."""
        return self.calendar.add_working_time(t, timedelta(hours=rng.uniform(low, high)))

    def share(self, case: Case, t: datetime, fraction: float) -> datetime:
        """The moment ``fraction`` of the handling window has passed (after ``t``)."""
        start, deadline = case.deadline_started_at, case.deadline
        if deadlines.handling_unit(case) == TimeUnit.NATURAL_HOURS:
            moment = start + (deadline - start) * fraction
        else:
            total = self.calendar.working_time_between(start, deadline)
            moment = self.calendar.add_working_time(start, total * fraction)
        return max(moment, t + timedelta(minutes=5))

    def squeeze(self, before: datetime, wanted: datetime, rng: random.Random) -> datetime:
        """A story that must reach its state by the end: fit the action in before it."""
        if wanted <= self.end:
            return wanted
        working = self.calendar.working_time_between(before, self.end)
        if working > timedelta(minutes=10):
            return self.calendar.add_working_time(before, working * rng.uniform(0.2, 0.9))
        return before + (self.end - before) * rng.uniform(0.2, 0.9)

    # running ------------------------------------------------------------------------------------
    def run(self, plans: list[_Plan], start: datetime) -> None:
        queue: list = []
        order = itertools.count()
        for plan in plans:
            story = _story(self, plan)
            heapq.heappush(queue, (next(story), next(order), plan, story))
        scans = self._scan_moments(start)
        while queue and queue[0][0] <= self.end:
            day = self._local_day(queue[0][0])
            with transaction.atomic():  # one transaction per simulated day
                while queue and queue[0][0] <= self.end and self._local_day(queue[0][0]) == day:
                    moment, _n, plan, story = heapq.heappop(queue)
                    moment = moment.replace(microsecond=0)
                    while scans and scans[0] <= moment:
                        self._scan(scans.pop(0))
                    try:
                        with clock.acting_at(moment):
                            wanted = story.send(moment)
                    except (StopIteration, _Refused):
                        continue
                    if plan.must and wanted > self.end:
                        wanted = self.squeeze(moment, wanted, plan.rng)
                    heapq.heappush(queue, (wanted, next(order), plan, story))
        with transaction.atomic():
            for moment in scans:
                self._scan(moment)

    def _local_day(self, moment: datetime):
        return moment.astimezone(self.tz).date()

    def _scan_moments(self, start: datetime) -> list[datetime]:
        moments, day = [], start.astimezone(self.tz).date()
        while day <= self.end.astimezone(self.tz).date():
            if self.calendar.is_working_day(day):
                moments += [datetime.combine(day, t, tzinfo=self.tz) for t in SCAN_TIMES]
            day += timedelta(days=1)
        return [m for m in moments if start <= m <= self.end]

    def _scan(self, moment: datetime) -> None:
        with clock.acting_at(moment):
            services.supervision_scan(now=moment)

    def act(self, plan: _Plan, action: str, **kwargs) -> Case:
        """Call the action's service (``case_<action>``); a refusal ends the story
        and is counted (it should not happen: the plans follow the rules)."""
        service = getattr(services, "case_" + action.replace("-", "_"))
        try:
            case = service(**kwargs)
        except CaseError as exc:
            self.refused[action] += 1
            log.warning("demo case %s: %s refused: %s", plan.index, action, exc.message)
            raise _Refused from exc
        self.actions += 1
        return case


# --- one case's story ------------------------------------------------------------------------------

_StoryGen = Generator[datetime, datetime, None]


def _story(sim: _Simulation, plan: _Plan) -> _StoryGen:
    rng, cast = plan.rng, sim.cast
    t = yield plan.reported_at
    case = _report(sim, plan)
    sim.cases[plan.index] = case
    if plan.stop == Status.REPORTED:
        return
    if case.status == Status.HANDLED:  # self-handled on the spot
        yield from _check_and_close(sim, plan, case, t)
        return

    if plan.fate == "duplicate":
        t = yield sim.office(t, rng, 5, 40)
        # By number: the service reads the original as it is now, not as it was reported.
        sim.act(plan, "link-duplicate", case=case, by=cast.operator, original=sim.cases[plan.original].number)
        return
    if "verify" in plan.flags:
        t = yield sim.office(t, rng, 2, 8)
        case = sim.act(plan, "verify-request", case=case, by=cast.operator, inspector=cast.inspectors[case.district_id])
        if plan.stop == Status.VERIFYING:
            return
        t = yield sim.field(t, rng, 0.2, 0.8)
        valid = plan.fate != "reject"
        comment = "经现场核实，情况属实" if valid else "经现场核实，未发现所反映的问题"
        case = sim.act(
            plan,
            "verify-reply",
            case=case,
            by=cast.inspectors[case.district_id],
            valid=valid,
            comment=comment,
            photos=sim.photos("check"),
        )
    if plan.fate == "reject":
        t = yield sim.office(t, rng, 3, 25)
        if "verify" in plan.flags:
            reason = "经核实，反映问题不属实"
        elif case.hotline_type == "consult":
            reason = CONSULT_REJECT
        else:
            reason = rng.choice(REJECT_REASONS)
        sim.act(plan, "reject", case=case, by=cast.operator, reason=reason)
        return
    if plan.fate == "void" and "void-early" in plan.flags:
        t = yield sim.office(t, rng, 3, 30)
        sim.act(plan, "void", case=case, by=cast.shift_leader, reason=rng.choice(VOID_REASONS))
        return

    t = yield sim.office(t, rng, 1, 9)
    urgency = "urgent" if "upgrade" in plan.flags else None
    case = sim.act(plan, "file", case=case, by=cast.shift_leader, urgency=urgency)
    if plan.stop == Status.FILED:
        return
    if plan.fate == "void":
        t = yield sim.office(t, rng, 5, 60)
        sim.act(plan, "void", case=case, by=cast.shift_leader, reason=rng.choice(VOID_REASONS))
        return

    t = yield sim.office(t, rng, 1, 9)
    wrong = _wrong_department(sim, case, rng) if "wrong-department" in plan.flags else None
    case = sim.act(plan, "dispatch", case=case, by=cast.dispatcher, department=wrong)
    if plan.stop == Status.DISPATCHED:
        return
    if wrong is not None:
        t = yield sim.field(t, rng, 0.1, 1.5)
        handler = cast.handlers[case.department_id]
        case = sim.act(plan, "request-return", case=case, by=handler, reason=rng.choice(RETURN_REASONS))
        t = yield sim.office(t, rng, 10, 90)
        approve = "return-denied" not in plan.flags
        case = sim.act(
            plan,
            "decide-request",
            case=case,
            by=cast.dispatcher,
            approve=approve,
            comment="同意回退，重新派遣" if approve else DENY_RETURN,
        )
        if approve:
            t = yield sim.office(t, rng, 3, 30)
            case = sim.act(plan, "dispatch", case=case, by=cast.dispatcher)
    if plan.fate == "unsigned":
        return

    late = "late-sign" in plan.flags
    t = yield sim.field(t, rng, 1.1, 3.5) if late else sim.field(t, rng, 0.05, 0.9)
    handler = cast.handlers[case.department_id]
    case = sim.act(plan, "sign", case=case, by=handler)
    case, t = yield from _handle(sim, plan, case, t, first=True)
    if case is not None:
        yield from _check_and_close(sim, plan, case, t)


def _handle(sim: _Simulation, plan: _Plan, case: Case, t: datetime, *, first: bool):
    """From in_progress to handled: contact, supervision, requests, feedback."""
    rng, cast = plan.rng, sim.cast
    handler = cast.handlers[case.department_id]
    if plan.stop == Status.IN_PROGRESS:
        return None, t
    if first and case.source == Source.HOTLINE:
        t = yield sim.office(t, rng, 26 * 60, 40 * 60) if "late-contact" in plan.flags else sim.office(t, rng, 15, 360)
        case = sim.act(plan, "contact-caller", case=case, by=handler, note=rng.choice(CONTACT_NOTES))
    if first and "supervise" in plan.flags:
        t = yield sim.share(case, t, rng.uniform(0.5, 0.8))
        supervisor = cast.leaders[case.district_id] if "leader" in plan.flags else cast.dispatcher
        case = sim.act(plan, "supervise", case=case, by=supervisor, note=rng.choice(SUPERVISE_NOTES))
    if first:
        for kind in ("delay", "delay-2"):
            if kind not in plan.flags:
                continue
            t = yield sim.share(case, t, rng.uniform(0.55, 0.85))
            unit, value = ("working_days", rng.choice([1, 2, 3])) if rng.random() < 0.7 else ("working_hours", 4)
            case = sim.act(
                plan,
                "request-delay",
                case=case,
                by=handler,
                reason=rng.choice(DELAY_REASONS),
                extra_value=value,
                extra_unit=unit,
            )
            t = yield sim.office(t, rng, 10, 120)
            approve = "delay-denied" not in plan.flags or kind == "delay-2"
            decider = cast.shift_leader if kind == "delay-2" else cast.dispatcher
            case = sim.act(
                plan,
                "decide-request",
                case=case,
                by=decider,
                approve=approve,
                comment="同意延期" if approve else DENY_DELAY,
            )
        if "suspend" in plan.flags:
            t = yield sim.share(case, t, rng.uniform(0.3, 0.6))
            case = sim.act(plan, "request-suspend", case=case, by=handler, reason=rng.choice(SUSPEND_REASONS))
            t = yield sim.office(t, rng, 20, 240)
            approve = "suspend-denied" not in plan.flags
            case = sim.act(
                plan,
                "decide-request",
                case=case,
                by=cast.dispatcher,
                approve=approve,
                comment="同意挂账" if approve else "请先行处置",
            )
            if approve:
                if plan.fate == "suspended" or plan.stop == Status.SUSPENDED:
                    return None, t
                t = yield sim.field(t, rng, 8 * 3, 8 * 15)
                case = sim.act(plan, "resume", case=case, by=cast.dispatcher, comment="工程已完工，恢复处置")
        if plan.fate == "stuck":
            return None, t
    if not first:
        t = yield sim.field(t, rng, 1, 8)
    elif "late-feedback" in plan.flags:
        t = yield sim.share(case, t, rng.uniform(1.1, 2.2))
    else:
        t = yield sim.share(case, t, rng.uniform(0.15, 0.95))
    results = CATEGORY_TEXTS[case.category.code][2]
    case = sim.act(plan, "feedback", case=case, by=handler, result=rng.choice(results), photos=sim.photos("after"))
    return case, t


def _check_and_close(sim: _Simulation, plan: _Plan, case: Case, t: datetime):
    rng, cast = plan.rng, sim.cast
    inspector = cast.inspectors[case.district_id]
    reworked = reopened = False
    while True:
        if plan.stop == Status.HANDLED:
            return
        t = yield sim.office(t, rng, 5, 60)
        case = sim.act(plan, "check-request", case=case, by=cast.operator, inspector=inspector)
        if plan.stop == Status.CHECKING:
            return
        late = rng.random() < 0.1
        t = yield sim.field(t, rng, 2.2, 5) if late else sim.field(t, rng, 0.3, 1.8)
        if "rework" in plan.flags and not reworked:
            reworked = True
            case = sim.act(
                plan,
                "check-fail",
                case=case,
                by=inspector,
                reason=rng.choice(REWORK_REASONS),
                photos=sim.photos("check"),
            )
            case, t = yield from _handle(sim, plan, case, t, first=False)
            if case is None:
                return
            continue
        case = sim.act(
            plan, "check-pass", case=case, by=inspector, photos=sim.photos("check"), comment="现场已处置到位"
        )
        if plan.stop == Status.CHECKED:
            return
        t = yield sim.office(t, rng, 3, 30)
        case = sim.act(plan, "close", case=case, by=cast.shift_leader)
        if not case.is_citizen_case or "no-callback" in plan.flags or plan.stop == Status.CLOSED:
            return
        t = yield sim.office(t, rng, 60, 60 * 30)
        satisfaction = "satisfied" if reopened else plan.satisfaction
        resolved = satisfaction != "dissatisfied" or rng.random() < 0.3
        case = sim.act(
            plan,
            "callback",
            case=case,
            by=cast.operator,
            satisfaction=satisfaction,
            resolved=resolved,
            comment="电话回访",
        )
        if "reopen" not in plan.flags or reopened:
            return
        reopened = True
        t = yield sim.office(t, rng, 60, 60 * 24)
        case = sim.act(plan, "reopen", case=case, by=cast.dispatcher, reason=REOPEN_REASON)
        case, t = yield from _handle(sim, plan, case, t, first=False)
        if case is None:
            return


def _report(sim: _Simulation, plan: _Plan) -> Case:
    rng, cast = plan.rng, sim.cast
    road = ROADS[(plan.grid.id + rng.randrange(2)) % len(ROADS)]
    spot = f"{road} {rng.randint(1, 260)} 号{rng.choice(SPOTS)}"
    problem = rng.choice(CATEGORY_TEXTS[plan.category][1])
    fields = {
        "source": plan.source,
        "category": sim.categories[plan.category],
        "description": f"{PREFIX[plan.source]}{spot}{problem}。",
        "address": f"{plan.grid.place}{spot}",
        "lat": plan.lat,
        "lng": plan.lng,
        "urgency": "urgent" if "urgent" in plan.flags else "normal",
        "by": cast.operator,
    }
    if plan.source == Source.PATROL:
        fields |= {"by": cast.inspectors[plan.grid.district_id], "photos": sim.photos("report")}
        if "self" in plan.flags:
            fields |= {"self_handled": True, "after_photos": sim.photos("after")}
            fields["description"] = fields["description"].rstrip("。") + "，已现场处置。"
    elif plan.source in (Source.HOTLINE, Source.PUBLIC):
        fields |= {"caller_name": _caller_name(rng), "caller_phone": _phone(rng)}
        if plan.source == Source.HOTLINE:
            day = plan.reported_at.astimezone(sim.tz)
            fields |= {"hotline_ticket_no": f"GD{day:%Y%m%d}{plan.index:05d}", "hotline_type": plan.hotline_type}
        else:
            fields["photos"] = sim.photos("report")
    elif plan.source == Source.VIDEO:
        fields["photos"] = sim.photos("video")
    return sim.act(plan, "report", **fields)


def _caller_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.6:
        return surname + rng.choice(["先生", "女士"])
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _wrong_department(sim: _Simulation, case: Case, rng: random.Random) -> Department:
    """A city department that is not the category's owner: the dispatch a handler sends back."""
    return rng.choice([d for d in sim.city_departments if d.kind != case.category.owner_department_kind])


# --- planning -----------------------------------------------------------------------------------------

CITIZEN_HOURS = [0.3] * 7 + [2, 8, 8, 8, 8, 4, 5, 8, 8, 8, 8, 5, 5, 5, 3, 3, 1]  # weight of each hour 0–23
# The states a recent case may stop in (None: the story runs to its end) and how often.
RECENT_STOPS = [
    (Status.REPORTED, 6),
    (Status.VERIFYING, 3),
    (Status.FILED, 4),
    (Status.DISPATCHED, 7),
    (Status.IN_PROGRESS, 22),
    (Status.SUSPENDED, 2),
    (Status.HANDLED, 7),
    (Status.CHECKING, 8),
    (Status.CHECKED, 5),
    (None, 24),
    (Status.REJECTED, 4),
    (Status.VOIDED, 4),
]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _report_moment(rng: random.Random, source: str, start: datetime, end: datetime, calendar) -> datetime:
    """Citizens call at any hour (mostly daytime); inspectors report on their shift;
    leaders and the media come in office hours on working days."""
    days = (end - start).days
    while True:
        day = (start + timedelta(days=rng.uniform(0, days + 1))).astimezone(calendar.tz).date()
        office_source = source in (Source.PATROL, Source.LEADER, Source.MEDIA)
        if office_source and not calendar.is_working_day(day) and rng.random() < 0.85:
            continue
        if source == Source.PATROL:
            hour = rng.uniform(7.5, 18.5) if rng.random() < 0.92 else rng.uniform(18.5, 21.5)
        elif source in (Source.LEADER, Source.MEDIA):
            hour = rng.choice([rng.uniform(8.5, 12), rng.uniform(13, 17.5)])
        else:
            hour = _weighted(rng, list(enumerate(CITIZEN_HOURS))) + rng.random()
        moment = datetime.combine(day, time(0), tzinfo=calendar.tz) + timedelta(hours=hour)
        if start <= moment <= end - timedelta(minutes=10):
            return moment


def _plans(*, count: int, seed: int, start: datetime, end: datetime, grids: list[_Grid], categories) -> list[_Plan]:
    calendar = get_work_calendar()
    category_weights = [(code, weight) for code, (weight, _p, _r) in CATEGORY_TEXTS.items() if code in categories]
    plans = []
    for i in range(count):
        rng = random.Random(seed * 1_000_003 + i)
        source = _weighted(rng, CHANNELS)
        grid = rng.choice(grids)
        plans.append(
            _Plan(
                index=i,
                rng=rng,
                source=source,
                category=_weighted(rng, category_weights),
                grid=grid,
                reported_at=_report_moment(rng, source, start, end, calendar),
                lat=rng.uniform(grid.min_lat + 1e-5, grid.max_lat - 1e-5),
                lng=rng.uniform(grid.min_lng + 1e-5, grid.max_lng - 1e-5),
            )
        )
    plans.sort(key=lambda p: p.reported_at)
    recent_from = end - timedelta(days=RECENT_DAYS)
    recent = [p for p in plans if p.reported_at >= recent_from]
    # Every state at least once among the recent cases, the rest by weight; the
    # newest cases are the least far along (with some spread: not a strict order).
    chooser = random.Random(seed)
    stops = [s for s, _w in RECENT_STOPS if s is not None]
    stops += [_weighted(chooser, RECENT_STOPS) for _ in range(max(0, len(recent) - len(stops)))]
    stage = {state: rank for rank, (state, _w) in enumerate(RECENT_STOPS)}
    stops.sort(key=lambda s: min(stage[s], stage[None]) + chooser.uniform(0, 4), reverse=True)
    for position, plan in enumerate(plans):
        plan.index = position
        _decide(plan, categories[plan.category])
    for plan, stop in zip(recent, stops, strict=False):
        _decide_recent(plan, stop)
    _pair_duplicates(plans)
    return plans


def _decide(plan: _Plan, category: Category) -> None:
    """Fate and flags of a case, with the frequencies of a busy command centre."""
    rng, flags, source = plan.rng, plan.flags, plan.source
    citizen = source in (Source.HOTLINE, Source.PUBLIC)
    plan.hotline_type = _weighted(rng, HOTLINE_TYPES) if source == Source.HOTLINE else ""
    if source == Source.PATROL and plan.category in SELF_HANDLED_CATEGORIES and rng.random() < 0.3:
        flags.add("self")
        return
    if category.urgent_limit_hours and rng.random() < 0.06:
        flags.add("urgent")
    duplicates = source in (Source.HOTLINE, Source.PUBLIC, Source.VIDEO)
    shares = [
        ("reject", {Source.HOTLINE: 0.07, Source.PUBLIC: 0.07, Source.VIDEO: 0.04, Source.PATROL: 0.01}.get(source, 0)),
        ("void", 0.025),
        ("duplicate", 0.04 if duplicates else 0),
        ("suspended", 0.005),  # approved 挂账, never resumed
        ("stuck", 0.006),  # signed, never fed back: overdue
        ("unsigned", 0.002),  # dispatched, never signed
    ]
    roll, edge = rng.random(), 0.0
    for fate, share in shares:
        edge += share
        if roll < edge:
            plan.fate = fate
            break
    if plan.hotline_type == "consult" and rng.random() < 0.7:
        plan.fate = "reject"  # answered on the phone
    if plan.fate == "void" and rng.random() < 0.5:
        flags.add("void-early")
    if plan.fate == "suspended":
        flags.add("suspend")
    if (citizen and rng.random() < 0.25) or (source == Source.VIDEO and rng.random() < 0.15):
        flags.add("verify")
    chances = {
        "wrong-department": 0.04,
        "late-sign": 0.10,
        "supervise": 0.04,
        "delay": 0.06,
        "suspend": 0.015,
        "late-feedback": 0.09,
        "rework": 0.06,
        "upgrade": 0.02 if category.urgent_limit_hours else 0,
    }
    flags.update(name for name, chance in chances.items() if rng.random() < chance)
    if "wrong-department" in flags and rng.random() < 0.2:
        flags.add("return-denied")
    if "supervise" in flags and rng.random() < 0.3:
        flags.add("leader")
    if "delay" in flags and rng.random() < 0.25:
        flags.add("delay-denied")
    if "delay" in flags and rng.random() < 0.15:
        flags.add("delay-2")
    if "suspend" in flags and plan.fate != "suspended" and rng.random() < 0.15:
        flags.add("suspend-denied")
    if source == Source.HOTLINE and rng.random() < 0.08:
        flags.add("late-contact")
    if citizen:
        if rng.random() < 0.08:
            flags.add("no-callback")
        plan.satisfaction = _weighted(rng, [("satisfied", 76), ("basically", 16), ("dissatisfied", 8)])
        if plan.satisfaction == "dissatisfied" and rng.random() < 0.4:
            flags.add("reopen")


def _decide_recent(plan: _Plan, stop: str | None) -> None:
    """A recent case ends in ``stop``; its story is squeezed in before the end."""
    plan.must = True
    early = stop in (Status.REPORTED, Status.VERIFYING, Status.FILED, Status.DISPATCHED, Status.IN_PROGRESS)
    if early or stop == Status.SUSPENDED:
        plan.flags.discard("self")
    if stop in (Status.REJECTED, Status.VOIDED):
        plan.fate = "reject" if stop == Status.REJECTED else "void"
        return
    if stop is not None or plan.fate != "duplicate":
        plan.fate = "close"
    plan.stop = stop
    plan.flags -= {"wrong-department", "delay", "delay-2", "suspend", "reopen"}
    if stop == Status.VERIFYING:
        plan.flags.add("verify")
    if stop == Status.SUSPENDED:
        plan.flags.add("suspend")
        plan.flags.discard("suspend-denied")


def _pair_duplicates(plans: list[_Plan]) -> None:
    """A duplicate is about the same thing as an earlier case (same category, within
    a few metres, reported within a week) that is still alive."""
    for position, plan in enumerate(plans):
        if plan.fate != "duplicate":
            continue
        original = None
        for earlier in reversed(plans[max(0, position - 400) : position]):
            if plan.reported_at - earlier.reported_at > timedelta(days=DUPLICATE_WINDOW_DAYS):
                break
            if earlier.category == plan.category and earlier.fate == "close" and earlier.reported_at < plan.reported_at:
                original = earlier
                break
        if original is None:
            plan.fate = "close"
            continue
        plan.original, plan.grid = original.index, original.grid
        plan.lat = min(max(original.lat + plan.rng.uniform(-8e-5, 8e-5), plan.grid.min_lat), plan.grid.max_lat)
        plan.lng = min(max(original.lng + plan.rng.uniform(-8e-5, 8e-5), plan.grid.min_lng), plan.grid.max_lng)


def _grids() -> list[_Grid]:
    names = dict(Region.objects.filter(level__in=["street", "community"]).values_list("id", "name"))
    rows = UnitGrid.objects.order_by("code").values_list(
        "id", "district_id", "street_id", "community_id", "min_lat", "max_lat", "min_lng", "max_lng"
    )
    return [
        _Grid(id=g, district_id=d, min_lat=a, max_lat=b, min_lng=c, max_lng=e, place=names[s] + names[m])
        for g, d, s, m, a, b, c, e in rows
    ]


# --- the entry point --------------------------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """Tens of thousands of actions: no per-action log line, and no DEBUG query log
    (on SQLite the debug cursor runs a second query per query to quote parameters)."""
    service_log = logging.getLogger(services.__name__)
    level, debug = service_log.level, settings.DEBUG
    service_log.setLevel(logging.WARNING)
    settings.DEBUG = False
    try:
        yield
    finally:
        service_log.setLevel(level)
        settings.DEBUG = debug


def demo_cases_exist(cast: _Cast | None = None) -> int:
    """Demo history is there if a demo person reported a case before today."""
    cast = cast or _Cast.load()
    today = timezone.localdate()
    return Case.objects.filter(reporter__in=cast.reporters(), number__lt=f"{today:%Y%m%d}").count()


def seed_cases(
    *, count: int = DEMO_CASES, months: int = DEMO_MONTHS, seed: int = DEMO_SEED, end: datetime | None = None
) -> str:
    """About ``months`` of history ending now, ``count`` cases, through the services."""
    if count <= 0:
        return "skipped (no cases asked for)"
    cast = _Cast.load()
    existing = demo_cases_exist(cast)
    if existing:
        return f"skipped: {existing} demo cases already exist"
    end = (end or timezone.now()).replace(microsecond=0)
    start = end - timedelta(days=round(months * 30.44))
    sim = _Simulation(cast=cast, end=end, seed=seed)
    plans = _plans(count=count, seed=seed, start=start, end=end, grids=_grids(), categories=sim.categories)
    with _quiet():
        sim.run(plans, start)
    statuses = Counter(Case.objects.filter(pk__in=[c.pk for c in sim.cases.values()]).values_list("status", flat=True))
    summary = {"cases": len(sim.cases), "actions": sim.actions, **{s: statuses[s] for s in Status.values}}
    if sim.refused:
        summary["refused"] = dict(sim.refused)
    return str(summary)


# --- Open311 ---------------------------------------------------------------------------

DEMO_OPEN311_CLIENT = "演示客户端（Open311）"
DEMO_OPEN311_KEY = "demo-open311-key"  # a demo city's key, printed by seed_demo; never in production


def seed_open311_client() -> str:
    """One Open311 client system with a known key, so that POST can be tried at once."""
    from cases.models import Open311Client

    _client, created = Open311Client.objects.get_or_create(
        name=DEMO_OPEN311_CLIENT, defaults={"api_key": DEMO_OPEN311_KEY, "contact": "demo"}
    )
    return "created" if created else "already there"
