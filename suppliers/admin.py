from django.contrib import admin

from .models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship


class SupplierInline(admin.StackedInline):
    model = Supplier
    extra = 0
    filter_horizontal = ["certifications"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "local_name", "kind", "civil_society_type", "country", "city"]
    list_filter = ["kind", "civil_society_type", "country"]
    search_fields = ["name", "local_name", "city", "notes"]
    inlines = [SupplierInline]


class FacilityInline(admin.TabularInline):
    model = Facility
    extra = 0


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "sector",
        "workers_headcount",
        "maturity_stage",
        "commitment_level",
    ]
    list_filter = ["maturity_stage", "commitment_level", "certifications", "clusters"]
    search_fields = ["organisation__name", "organisation__local_name", "sector"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["certifications"]
    inlines = [FacilityInline]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "city", "country", "workers"]
    list_filter = ["country"]
    search_fields = ["name", "city", "supplier__organisation__name"]
    list_select_related = ["supplier__organisation"]


@admin.register(SupplyRelationship)
class SupplyRelationshipAdmin(admin.ModelAdmin):
    list_display = ["customer", "supplier", "tier", "since"]
    list_filter = ["tier"]
    search_fields = ["customer__name", "supplier__organisation__name", "products"]
    list_select_related = ["customer", "supplier__organisation"]
    autocomplete_fields = ["customer", "supplier"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "region", "country"]
    list_filter = ["country", "sector"]
    search_fields = ["name", "sector", "region"]
    filter_horizontal = ["suppliers"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
