from django.contrib import admin

from cases.models import Category, MajorCategory


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
