from django.contrib import admin

from .models import (
    Activity,
    Comment,
    Deliverable,
    Document,
    Phase,
    Pilot,
    PilotParticipant,
    PilotStatusChange,
    Programme,
    ScopeChange,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "facilitator", "sector", "region", "start_date", "end_date"]
    search_fields = ["title", "sector", "region"]
    filter_horizontal = ["sponsors"]


class ParticipantInline(admin.TabularInline):
    model = PilotParticipant
    extra = 0
    autocomplete_fields = ["organisation"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Pilot)
class PilotAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "programme",
        "pilot_type",
        "approach",
        "supplier",
        "status",
        "objectives_achievement",
    ]
    list_filter = ["programme", "pilot_type", "approach", "status", "objectives_achievement"]
    search_fields = ["title", "context", "objectives", "supplier__organisation__name"]
    list_select_related = ["programme", "supplier__organisation"]
    inlines = [ParticipantInline, PhaseInline]
    readonly_fields = ["status", "version"]


@admin.register(PilotStatusChange)
class PilotStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["pilot", "from_status", "to_status", "actor", "effective_on"]
    list_filter = ["to_status"]

    def has_change_permission(self, request, obj=None):
        return False  # history is not rewritten


for model, fields in (
    (Deliverable, ["title", "pilot", "kind", "due_date", "delivered_on"]),
    (Activity, ["title", "pilot", "kind", "date", "person_days"]),
    (ScopeChange, ["pilot", "proposed_on", "proposed_by", "status"]),
    (Document, ["title", "pilot", "version", "kind", "visibility", "original_name", "size"]),
    (Comment, ["pilot", "author", "created_at"]),
):
    admin.site.register(model, list_display=fields, list_select_related=["pilot"])
