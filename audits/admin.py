from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Audit, AuditShare, Clause, CorrectiveAction, Finding, Standard


class ClauseInline(admin.TabularInline):
    model = Clause
    extra = 0


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "issuer", "version"]
    search_fields = ["name", "code"]
    inlines = [ClauseInline]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ["standard", "reference", "title", "topic"]
    list_filter = ["standard", "topic"]
    search_fields = ["reference", "title"]


class FindingInline(admin.StackedInline):
    model = Finding
    extra = 0
    filter_horizontal = ["clauses"]


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "standard", "commissioned_by", "start_date"]
    list_filter = ["kind", "standard", "status"]
    search_fields = ["summary", "audit_firm", "facility__name"]
    list_select_related = ["facility__supplier__organisation", "standard", "commissioned_by"]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["description", "audit", "severity"]
    list_filter = ["severity"]
    filter_horizontal = ["clauses", "pilots"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(SimpleHistoryAdmin):
    list_display = ["action", "status", "due_date", "owner"]
    list_filter = ["status"]
    search_fields = ["action", "preventive_action"]
    readonly_fields = ["status", "verified_by", "verified_at", "submitted_at"]


@admin.register(AuditShare)
class AuditShareAdmin(admin.ModelAdmin):
    list_display = ["audit", "customer", "shared_at", "withdrawn_at"]
