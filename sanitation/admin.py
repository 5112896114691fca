"""Admin for every ledger (search and filters from ``sanitation.ledgers``), for the
administrator's corrections."""

from django.contrib import admin

from sanitation import (
    admin_inspections,  # noqa: F401  (registers inspection templates and inspections)
    models,
)
from sanitation.ledgers import LEDGERS


class BinInline(admin.TabularInline):
    model = models.Bin
    extra = 0


class VehicleInline(admin.TabularInline):
    model = models.MuckVehicle
    extra = 0


class CheckInline(admin.TabularInline):
    model = models.FrontageCheck
    extra = 0
    raw_id_fields = ("checked_by",)


INLINES = {"points": [BinInline], "muck-companies": [VehicleInline], "frontage": [CheckInline]}
RELATIONS = ("district", "street", "community", "grid", "company")


def _admin_for(ledger):
    """A ModelAdmin from the registry: list columns, the ledger's own filters plus
    district, text search on its search fields; regions and grids picked by id."""
    fields = {f.name for f in ledger.model._meta.fields}
    list_display = [n for n in ledger.list_columns if n in fields]
    filters = list(ledger.filters)
    if "district" in fields:
        filters.insert(0, ("district", admin.RelatedOnlyFieldListFilter))
    return type(
        f"{ledger.model.__name__}Admin",
        (admin.ModelAdmin,),
        {
            "list_display": list_display,
            "list_filter": filters,
            "search_fields": list(ledger.search),
            "raw_id_fields": [n for n in RELATIONS if n in fields],
            "inlines": INLINES.get(ledger.slug, []),
            "list_per_page": 50,
        },
    )


for _ledger in LEDGERS.values():
    admin.site.register(_ledger.model, _admin_for(_ledger))
