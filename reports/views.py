"""Report pages: ask for a PDF, follow it (htmx polling), download or retry it, list yours."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from csrplatform import access
from csrplatform.editing import form_errors_text, run_action
from csrplatform.lists import paginate

from . import services
from .api.views import pdf_download
from .models import Report, ReportKind, ReportLanguage


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=ReportKind.choices)
    subject = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=ReportLanguage.choices)


def _own_report(request, pk) -> Report:
    return access.get_or_404(Report.objects.of(request.user).with_list_related(), pk=pk)


@login_required
@require_GET
def report_list(request):
    reports = Report.objects.of(request.user).with_list_related()
    customers = services.subject_queryset(request.user, ReportKind.SUPPLIER_PROGRESS).filter(
        pk__in=access.actor_for(request.user).customer_ids
    )
    context = {
        **paginate(request, reports),
        # A customer's members ask here for the progress of its suppliers.
        "own_customers": customers.order_by("name"),
    }
    return render(request, "reports/report_list.html", context)


@login_required
@require_POST
def report_request(request):
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("reports:report_list")
    # A subject the user may not see is a 404, the same as a missing one.
    report = services.report_request(
        actor=request.user,
        kind=form.cleaned_data["kind"],
        subject_id=form.cleaned_data["subject"],
        language=form.cleaned_data["language"],
    )
    return redirect(report)


@login_required
@require_GET
def report_detail(request, pk):
    report = _own_report(request, pk)
    context = {"report": report}
    if request.htmx:
        return render(request, "reports/_report_status.html", context)
    return render(request, "reports/report_detail.html", context)


@login_required
@require_POST
def report_retry(request, pk):
    report = _own_report(request, pk)
    return run_action(
        request,
        report.get_absolute_url(),
        lambda: services.report_retry(actor=request.user, report=report),
        _("The report is being rendered again."),
    )


@login_required
@require_GET
def report_download(request, pk):
    return pdf_download(_own_report(request, pk))
