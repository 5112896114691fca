from django.contrib import admin

from cases.models import Case, CaseEvent, CaseRequest, Category, MajorCategory
from cases.open311 import admin as open311_admin  # noqa: F401  (registers the Open311 client admin)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["code", "name", "kind", "limit_value", "limit_unit", "urgent_limit_hours", "owner_department_kind"]
    show_change_link = True


@admin.register(MajorCategory)
class MajorCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "major", "kind", "limit_value", "limit_unit", "urgent_limit_hours"]
    list_display += ["owner_department_kind", "after_photo_required", "is_active"]
    list_filter = ["kind", "major", "limit_unit", "owner_department_kind", "is_active"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["major"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "action", "actor", "from_status", "to_status", "comment", "step_deadline"]
    readonly_fields = fields


class RequestInline(ReadOnlyInline):
    model = CaseRequest
    fields = ["kind", "state", "reason", "requested_by", "requested_at", "decided_by", "decided_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases are looked at here, never edited: every change goes through the
    workflow services so it is checked and leaves its event."""

    list_display = ["number", "status", "source", "category", "district", "department", "reported_at", "deadline"]
    list_filter = ["status", "source", "urgency", ("district", admin.RelatedOnlyFieldListFilter), "category__major"]
    search_fields = ["=number", "=hotline_ticket_no", "address"]
    list_select_related = ["category", "district", "department"]
    date_hierarchy = "reported_at"
    show_full_result_count = False  # an exact COUNT(*) over a million rows on every page is wasted work
    inlines = [EventInline, RequestInline]
    exclude = ["caller_phone", "caller_name"]  # personal data stays in the workspace, where access is scoped

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Cases are never deleted, they are voided (作废) through the workflow: deleting one
        # would cascade to its events, which the database refuses anyway (migration 0011).
        return False
