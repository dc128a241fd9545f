"""The findings import page and its downloadable templates (CSV and XLSX). Large files run as
a background job whose page (`metrics:import_job`, shared with the figures import) polls its
progress."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from csrplatform import access
from csrplatform import imports as reading
from csrplatform.widgets import SearchSelect
from metrics import tasks
from metrics.models import ImportJob

from . import imports
from .models import Audit

# Showing tens of thousands of problems helps nobody; the first ones tell what to fix.
MAX_ERRORS_SHOWN = 500


class FindingsImportForm(forms.Form):
    # Search as you type: a facilitator may add findings to thousands of audits.
    audit = forms.ModelChoiceField(
        queryset=Audit.objects.none(),
        label=gettext_lazy("Audit"),
        widget=SearchSelect("audits-editable"),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel (XLSX, first sheet), at most 64 MB and 100,000 rows; "
            "files of more than 2,000 rows are imported in the background."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audit"].queryset = Audit.objects.editable_by(user)


def _success_message(result: imports.ImportResult) -> str:
    findings = ngettext("%(count)d finding", "%(count)d findings", result.findings) % {
        "count": result.findings
    }
    actions = ngettext(
        "%(count)d corrective action", "%(count)d corrective actions", result.actions
    ) % {"count": result.actions}
    return _("Imported %(findings)s and %(actions)s.") % {"findings": findings, "actions": actions}


@login_required
@require_http_methods(["GET", "POST"])
def findings_import(request):
    if not access.actor_for(request.user).is_facilitator_editor:
        raise PermissionDenied(_("Only facilitators import findings."))
    posted = request.method == "POST"
    form = FindingsImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=request.user,
        initial={"audit": request.GET.get("audit")},
    )
    errors = []
    if posted and form.is_valid():
        audit, upload = form.cleaned_data["audit"], form.cleaned_data["file"]
        try:
            data, is_xlsx = imports.upload_bytes(upload)
            if imports.looks_large(data, is_xlsx):
                job = tasks.start_import(
                    actor=request.user,
                    kind=ImportJob.Kind.FINDINGS,
                    filename=upload.name,
                    data=data,
                    is_xlsx=is_xlsx,
                    audit=audit,
                )
                return redirect("metrics:import_job", pk=job.pk)
            result = imports.import_data(
                actor=request.user, audit=audit, data=data, is_xlsx=is_xlsx
            )
        except imports.ImportRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, _success_message(result))
            return redirect(audit.get_absolute_url())
    context = {
        "form": form,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "error_count": len(errors),
        "errors_not_shown": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "columns": _column_help(),
    }
    return render(request, "audits/import.html", context, status=400 if posted else 200)


def _column_help():
    return [
        ("finding_ref", True, _("Any label; rows with the same label are one finding.")),
        ("severity", True, _("critical, major or minor.")),
        (
            "clauses",
            True,
            _("STANDARDCODE:REFERENCE, several separated by “;”, e.g. eicc:A.3; sa8000:7."),
        ),
        ("description", True, _("What was found.")),
        ("evidence", False, _("What shows it.")),
        ("root_cause", False, _("Why it happened.")),
        ("action", True, _("The corrective action; one per row.")),
        ("preventive_action", False, _("What keeps it from happening again.")),
        ("owner_email", False, _("E-mail address of a member of the audited supplier.")),
        ("due_date", True, _("YYYY-MM-DD, or a date cell in Excel.")),
    ]


# --- the templates -------------------------------------------------------------------------------


def _example_row() -> list:
    return [
        "F1",
        "major",
        "eicc:A.3; sa8000:7",
        _("Overtime exceeds 60 hours a week in peak season"),
        _("Time records of March; worker interviews"),
        _("Production planning ignores line capacity"),
        _("Plan production within legal working hours"),
        _("Management reviews working hours every month"),
        "",
        timezone.localdate() + timedelta(days=90),
    ]


def _csv_template() -> HttpResponse:
    return reading.csv_template("findings-import.csv", imports.COLUMNS, _example_row())


def _xlsx_template() -> HttpResponse:
    return reading.xlsx_template(
        "findings-import.xlsx",
        _("Findings"),
        imports.COLUMNS,
        _example_row(),
        _column_help(),
        width=24,
    )


@login_required
@require_GET
def findings_template(request, fmt):
    if fmt == "csv":
        return _csv_template()
    if fmt == "xlsx":
        return _xlsx_template()
    raise Http404(_("Templates come as CSV or XLSX."))
