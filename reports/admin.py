from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Report jobs, for support: read-only; what failed and why, who asked and when."""

    list_display = ["id", "kind", "language", "requested_by", "status", "progress", "created_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["requested_by__email", "error"]
    # The file is the requester's: support sees whether the report is ready, not the PDF.
    readonly_fields = [field.name for field in Report._meta.fields if field.name != "file"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
