"""Recording audits in the browser: a facilitator records an audit with its findings, an NGO
or consultant its assessment of a pilot it takes part in, and either adds findings later.

The pages validate input (inline, through htmx) and call audits.services, which hold the
rules; whoever may not record anything here gets a 404, like for any object out of scope.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from csrplatform import access
from csrplatform.editing import edit_page, error_text

from . import services
from .forms import AuditRecordForm, FindingForm, clause_choices, record_pilot
from .models import Audit, Clause
from .selectors import may_record_audit

#: blank finding forms on the "Record an audit" page; more are added from the audit's page
FINDING_FORMS = 3


def _clause_choices(user):
    return clause_choices(
        Clause.objects.visible_to(user)
        .select_related("standard")
        .order_by("standard__name", "reference")
    )


def _finding_forms(request, count, *, required_first=False):
    clauses = _clause_choices(request.user)
    data = request.POST if request.method == "POST" else None
    forms = []
    for number in range(1, count + 1):
        form = FindingForm(
            data,
            user=request.user,
            clauses=clauses,
            prefix=f"finding-{number}",
            # A blank finding form is left out; one begun must be complete.
            empty_permitted=not (required_first and number == 1),
            use_required_attribute=False,
        )
        form.number = number
        forms.append(form)
    return forms


@login_required
@require_http_methods(["GET", "POST"])
def audit_record(request):
    if not may_record_audit(request.user):
        raise Http404
    # The pilot the page was opened from (?pilot=): one the user may record for, else 404.
    pilot = record_pilot(request.user, request.GET.get("pilot") or "")
    audit_form = AuditRecordForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        pilot=pilot,
        prefix="audit",
    )
    finding_forms = _finding_forms(request, FINDING_FORMS)

    def save():
        try:
            audit = services.audit_save(
                actor=request.user,
                pilot=audit_form.cleaned_data.get("pilot"),
                **audit_form.audit_fields(),
            )
        except PermissionDenied as exc:
            # e.g. an organisation chosen that does not take part in the chosen pilot: said on
            # the form, like any other refusal, not as an error page.
            raise ValidationError(error_text(exc)) from exc
        for form in finding_forms:
            if form.has_changed():
                services.finding_save(actor=request.user, audit=audit, **form.finding_fields())
        return audit

    is_facilitator = access.actor_for(request.user).is_facilitator_editor
    return edit_page(
        request,
        forms=[audit_form, *finding_forms],
        save=save,
        template="audits/record.html",
        context={
            "title": _("Record an audit") if is_facilitator else _("Record an assessment"),
            "back": pilot.get_absolute_url() if pilot else None,
            "audit_form": audit_form,
            "finding_forms": finding_forms,
            "pilot": pilot,
        },
        success_message=_("Audit recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_add(request, pk):
    audit = access.get_object_or_404(
        request.user,
        Audit.objects.select_related("facility__supplier__organisation", "standard"),
        access.EDIT,
        pk=pk,
    )
    (form,) = _finding_forms(request, 1, required_first=True)

    def save():
        return services.finding_save(actor=request.user, audit=audit, **form.finding_fields())

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="audits/finding_form.html",
        context={
            "title": _("Add a finding"),
            "back": audit.get_absolute_url(),
            "audit": audit,
        },
        success_message=_("Finding added."),
    )
