"""Admin of the inspection templates (考评表) and the recorded inspections.

Imported by ``sanitation.admin``. Editing an item's deduction or cap changes
the scores of inspections recorded afterwards only: each recorded fault keeps
the deduction it was scored with, so recorded inspections are read-only here.
"""

from django.contrib import admin

from sanitation.models import Inspection, InspectionFault, InspectionItem, InspectionPhoto, InspectionTemplate


class InspectionItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 1
    fields = ("position", "name", "deduction", "cap")
    ordering = ("position",)


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "target", "full_score", "is_active")
    list_filter = ("target", "is_active")
    search_fields = ("code", "name")
    inlines = [InspectionItemInline]


class InspectionFaultInline(admin.TabularInline):
    model = InspectionFault
    extra = 0
    fields = ("item", "count", "deduction", "case")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class InspectionPhotoInline(admin.TabularInline):
    model = InspectionPhoto
    extra = 0
    fields = ("file", "content_type", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Read-only: an inspection is recorded through ``sanitation.inspections.inspection_record``."""

    list_display = ("inspected_at", "template", "road", "toilet", "district", "score", "inspector")
    list_filter = ("template", "district")
    date_hierarchy = "inspected_at"
    list_select_related = ("template", "road", "toilet", "district", "inspector")
    raw_id_fields = ("road", "toilet", "inspector")
    inlines = [InspectionFaultInline, InspectionPhotoInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
