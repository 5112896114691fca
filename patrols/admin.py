from django.contrib import admin

from patrols.models import EnforcementNotice, EnforcementSubject, Patrol, PatrolTask, Route, RouteGrid


class RouteGridInline(admin.TabularInline):
    model = RouteGrid
    extra = 0
    autocomplete_fields = ["grid"]
    ordering = ["position"]


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "is_active"]
    list_filter = ["is_active", "district"]
    search_fields = ["code", "name"]
    inlines = [RouteGridInline]


@admin.register(PatrolTask)
class PatrolTaskAdmin(admin.ModelAdmin):
    list_display = ["date", "shift_start", "shift_end", "route", "inspector", "status"]
    list_filter = ["status", "date"]
    search_fields = ["route__name", "inspector__username"]
    date_hierarchy = "date"


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ["inspector", "route", "status", "started_at", "ended_at", "point_count", "distance_m"]
    list_filter = ["status"]
    search_fields = ["inspector__username", "route__name"]
    date_hierarchy = "started_at"
    readonly_fields = ["distance_m", "point_count"]


@admin.register(EnforcementSubject)
class EnforcementSubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "licence_no", "address"]
    search_fields = ["name", "licence_no", "address"]


@admin.register(EnforcementNotice)
class EnforcementNoticeAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "category", "sequence", "colour", "step", "issued_at", "issued_by"]
    list_filter = ["colour", "step"]
    search_fields = ["number", "subject__name", "subject__licence_no"]
    date_hierarchy = "issued_at"
