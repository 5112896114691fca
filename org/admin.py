from datetime import date

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from org.models import Department, Region, StaffProfile, UnitGrid, WorkCalendarDay
from org.services import chinese_calendar_years, sync_work_calendar

User = get_user_model()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(UnitGrid)
class UnitGridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "street", "district", "area_m2"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "community__name", "street__name"]
    autocomplete_fields = ["community", "inspectors"]
    readonly_fields = ["street", "district", "centroid_lat", "centroid_lng", "area_m2"]
    list_select_related = ["community", "street", "district"]
    fields = ["code", "name", "community", "street", "district", "geometry", "centroid_lat", "centroid_lng"]
    fields += ["area_m2", "inspectors"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "street", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["street"]
    list_select_related = ["street"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ["department", "region"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "is_active", "roles", "department"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "profile__phone"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile__department").prefetch_related("groups")

    @admin.display(description=_("角色"))
    def roles(self, user) -> str:
        from org.roles import Role

        labels = dict(Role.choices)
        return "、".join(str(labels.get(g.name, g.name)) for g in user.groups.all())

    @admin.display(description=_("所属部门"))
    def department(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.department.name if profile and profile.department else "—"


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    actions = ["sync_from_package"]

    @admin.display(description=_("星期"))
    def weekday(self, day) -> str:
        return "一二三四五六日"[day.date.weekday()]

    def save_model(self, request, obj, form, change):
        obj.source = WorkCalendarDay.Source.ADMIN  # an admin's edit is never overwritten by the seed
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        next_year = date.today().year + 1
        if not WorkCalendarDay.objects.filter(date__year=next_year).exists():
            self.message_user(
                request,
                _("%(year)d 年的节假日和调休尚未录入：在国务院办公厅公布后请逐日添加，否则期限按周一至周五计算。")
                % {"year": next_year},
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("从 chinesecalendar 同步（不覆盖人工维护的日期）"))
    def sync_from_package(self, request, queryset):
        changed = sync_work_calendar()
        years = chinese_calendar_years()
        self.message_user(
            request,
            _("已同步 %(first)d–%(last)d 年，变更 %(n)d 天。") % {"first": years[0], "last": years[-1], "n": changed},
        )
