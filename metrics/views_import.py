"""Bulk import of KPI observations and cost items: the page, the job page with its progress,
and the downloadable templates (CSV and XLSX)."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from csrplatform import access
from csrplatform import imports as reading

from . import imports, tasks
from .models import ImportJob, Observation

Kind = ImportJob.Kind
# What this page imports; findings have the audits' page (`audits.views_import`).
FIGURE_KINDS = (Kind.OBSERVATIONS, Kind.COSTS)
FIGURE_CHOICES = [(kind, label) for kind, label in Kind.choices if kind in FIGURE_KINDS]


class MetricsImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=FIGURE_CHOICES)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel (XLSX, first sheet), at most 32 MB and 200,000 rows; "
            "files of more than 2,000 rows are imported in the background."
        ),
    )


def _may_import(user, kind) -> bool:
    actor = access.actor_for(user)
    if kind == Kind.COSTS:
        return actor.is_facilitator_editor
    return actor.is_facilitator_editor or access.can_create(user, Observation)


def _success_message(kind, count) -> str:
    if kind == Kind.COSTS:
        return ngettext(
            "Imported %(count)d cost item.", "Imported %(count)d cost items.", count
        ) % {"count": count}
    return ngettext(
        "Imported %(count)d KPI observation.", "Imported %(count)d KPI observations.", count
    ) % {"count": count}


@login_required
@require_http_methods(["GET", "POST"])
def metrics_import(request):
    kinds = [kind for kind in FIGURE_KINDS if _may_import(request.user, kind)]
    if not kinds:
        raise PermissionDenied(_("You may not import figures."))
    posted = request.method == "POST"
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in kinds else kinds[0]
    form = MetricsImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"kind": initial_kind},
    )
    form.fields["kind"].choices = [(k, label) for k, label in FIGURE_CHOICES if k in kinds]
    errors = []
    if posted and form.is_valid():
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        try:
            data, is_xlsx = imports.upload_bytes(upload)
            if imports.looks_large(data, is_xlsx):
                job = tasks.start_import(
                    actor=request.user, kind=kind, filename=upload.name, data=data, is_xlsx=is_xlsx
                )
                return redirect("metrics:import_job", pk=job.pk)
            count = imports.import_file(actor=request.user, kind=kind, data=data, is_xlsx=is_xlsx)
        except imports.ImportRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, _success_message(kind, count))
            return redirect(reverse("metrics:import") + f"?kind={kind}")
    shown = errors[: imports.MAX_ERRORS_KEPT]
    context = {
        "form": form,
        "errors": [(e.row, e.column, e.message) for e in shown],
        "error_count": len(errors),
        "errors_not_shown": max(0, len(errors) - len(shown)),
        "kinds": [(k, label, _column_help(k)) for k, label in FIGURE_CHOICES if k in kinds],
    }
    return render(request, "metrics/import.html", context, status=400 if posted else 200)


@login_required
@require_GET
def import_job(request, pk):
    job = access.get_object_or_404(request.user, ImportJob.objects.all(), pk=pk)
    context = {
        "job": job,
        "errors": job.errors,
        "error_count": job.error_count,
        "errors_not_shown": max(0, job.error_count - len(job.errors)),
    }
    if request.headers.get("HX-Request"):
        return render(request, "metrics/import_job_status.html", context)
    return render(request, "metrics/import_job.html", context)


def _column_help(kind):
    if kind == Kind.COSTS:
        return [
            ("programme", False, _("Title or id; needed for a cost of the whole programme.")),
            ("pilot", False, _("Title or id of the pilot; empty for a programme cost.")),
            ("phase", False, _("Number of the pilot's phase.")),
            ("borne_by", True, _("Name or id of the organisation that bears the cost.")),
            ("nature", True, _("hard or soft.")),
            ("category", True, _("e.g. consultants, training, travel, other.")),
            ("description", True, _("What the money or time went on.")),
            ("unit_amount", False, _("The amount the quantities multiply, e.g. 300.")),
            ("quantities", False, _("Counts and units separated by “;”, e.g. 4 times; 4 people.")),
            ("amount", False, _("Not negative; may be left empty when quantities are given.")),
            ("currency", False, _("ISO 4217 code, e.g. CNY; required with an amount.")),
            ("pinned_rate", False, _("USD per unit as the source states it.")),
            ("on_date", True, _("YYYY-MM-DD: picks the exchange rate.")),
            ("certainty", False, _("estimated or actual (the default).")),
            ("person_days", False, _("Effort in person-days.")),
            ("fte_low", False, _("FTE, or its lower end.")),
            ("fte_high", False, _("Upper end of the FTE.")),
            ("stated_usd", False, _("USD as the source states it.")),
            ("source", False, _("Where the figure comes from.")),
            ("excluded_reason", False, _("Why it is left out of the totals, if it is.")),
        ]
    return [
        ("indicator", True, _("Name of the indicator, e.g. Injuries.")),
        ("supplier", True, _("Name or id of the supplier.")),
        ("facility", False, _("Name of one of the supplier's facilities.")),
        ("pilot", False, _("Title or id of one of the supplier's pilots.")),
        ("period_start", True, _("YYYY-MM-DD, or a date cell in Excel.")),
        ("period_end", True, _("YYYY-MM-DD; an actual figure's period has ended.")),
        ("value", True, _("A number, e.g. 87.8.")),
        ("unit", False, _("The indicator's unit; empty means the indicator's unit.")),
        ("kind", True, _("baseline, target or actual.")),
        ("source", True, _("self_reported, audit or partner_verified.")),
        ("sex", False, _("female, male or other, for a breakdown.")),
        ("contract_type", False, _("permanent, temporary or agency, for a breakdown.")),
        ("note", False, _("Anything worth knowing about the figure.")),
    ]


# --- the templates -------------------------------------------------------------------------------


def _example_row(kind) -> list:
    if kind == Kind.COSTS:
        return [
            "",
            _("Worker training"),
            "1",
            _("Supplier X"),
            "hard",
            "consultants",
            _("Transportation of trainers"),
            "300",
            "4 times; 4 people",
            "4800",
            "CNY",
            "",
            date(2008, 3, 1),
            "actual",
            "",
            "",
            "",
            "685",
            "",
            "",
        ]
    return [
        _("Injuries"),
        _("Supplier X"),
        _("X plant"),
        _("Worker training"),
        date(2007, 1, 1),
        date(2007, 12, 31),
        "131",
        "",
        "baseline",
        "audit",
        "",
        "",
        "",
    ]


def _csv_template(kind) -> HttpResponse:
    return reading.csv_template(f"{kind}-import.csv", imports.COLUMNS[kind], _example_row(kind))


def _xlsx_template(kind) -> HttpResponse:
    return reading.xlsx_template(
        f"{kind}-import.xlsx",
        str(Kind(kind).label)[:31],
        imports.COLUMNS[kind],
        _example_row(kind),
        _column_help(kind),
        width=18,
    )


@login_required
@require_GET
def import_template(request, kind, fmt):
    if kind not in FIGURE_KINDS:
        raise Http404(_("There is no such import."))
    if fmt == "csv":
        return _csv_template(kind)
    if fmt == "xlsx":
        return _xlsx_template(kind)
    raise Http404(_("Templates come as CSV or XLSX."))


urlpatterns = [
    path("import/", metrics_import, name="import"),
    path("import/<int:pk>/", import_job, name="import_job"),
    path("import/template/<str:kind>.<str:fmt>", import_template, name="import_template"),
]
