"""Audit pages: list and export, the audit with its findings, sharing, the corrective-action
board, and each action's page where the supplier submits and the customer verifies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, Prefetch, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from csrplatform import access
from csrplatform.accounts.models import User
from csrplatform.editing import error_text, form_errors_text, run_action, run_move
from csrplatform.lists import (
    Joined,
    VisibleAmong,
    copies_csv,
    copy_csv_response,
    csv_response,
    filtered_list,
    paginate,
    paginate_uncounted,
    values_in_chunks,
)
from csrplatform.reviews.models import Review, ReviewKind
from pilots.models import Pilot
from suppliers.models import Organisation

from . import services
from .filters import AuditFilterSet, CorrectiveActionFilterSet
from .forms import (
    PilotFromFindingsForm,
    ProgressForm,
    RejectForm,
    ShareForm,
    SubmitForm,
    VerifyForm,
)
from .models import Audit, AuditShare, CorrectiveAction, Finding
from .selectors import BOARD_COLUMNS, action_history, audit_findings, board


def _audit_list(request):
    return filtered_list(
        request, queryset=Audit.objects.with_list_related(), filterset_class=AuditFilterSet
    )


@login_required
def audit_list(request):
    listing = _audit_list(request)
    page = paginate_uncounted(request, listing.queryset)
    # Which of the page's commissioning customers the user may see named: asked for the
    # page's few, not read for every organisation the user sees.
    commissioners = {audit.commissioned_by_id for audit in page["object_list"]} - {None}
    visible_commissioners = (
        set(
            access.scope(
                request.user, Organisation.objects.filter(pk__in=commissioners)
            ).values_list("pk", flat=True)
        )
        if commissioners
        else set()
    )
    return render(
        request,
        "audits/audit_list.html",
        {
            "filterset": listing.filterset,
            "can_import": access.actor_for(request.user).is_facilitator_editor,
            "visible_org_ids": visible_commissioners,
            **page,
        },
        status=listing.status,
    )


EXPORT_HEADER = (
    "id",
    "supplier",
    "facility",
    "kind",
    "standard",
    "commissioned_by",
    "conducted_by",
    "audit_firm",
    "start_date",
    "end_date",
    "findings",
)


EXPORT_FIELDS = (
    "pk",
    "facility__supplier__organisation__name",
    "facility__name",
    "kind",
    "standard__code",
    "commissioned_by_id",
    "commissioned_by__name",
    "conducted_by_id",
    "conducted_by__name",
    "audit_firm",
    "start_date",
    "end_date",
    "finding_count",
)


@login_required
def audit_export(request):
    listing = _audit_list(request)
    if not listing.is_valid:
        return render(
            request,
            "audits/audit_list.html",
            {"filterset": listing.filterset, **paginate(request, listing.queryset)},
            status=400,
        )
    # id, kind, start and end dates, finding count
    plain = (0, 3, 8, 9, 10)
    if copies_csv(listing.queryset):
        return _audit_copy_csv(request.user, listing.queryset, plain)
    organisations = VisibleAmong(request.user, Organisation)

    def chunks():
        for rows in values_in_chunks(listing.queryset, EXPORT_FIELDS):
            # A shared audit does not tell who else commissioned it, unless that is visible.
            organisations.hide(rows, 5)
            organisations.hide(rows, 7)
            yield [
                [*row[:5], row[6] if row[5] else "", row[8] if row[7] else "", *row[9:]]
                for row in rows
            ]

    return csv_response("audits.csv", EXPORT_HEADER, chunks(), plain=plain)


def _audit_copy_csv(user, queryset, plain):
    """`audit_export` written by PostgreSQL: the commissioning and conducting organisations
    named where the user may see them (asked once for the few the audits name), the findings
    counted in one grouped read joined to the audits (not a count per audit)."""
    named_ids = set()
    for pair in queryset.order_by().values_list("commissioned_by_id", "conducted_by_id").distinct():
        named_ids.update(pair)
    visible = access.visible_among(user, Organisation, named_ids)
    named = {
        f"{name}_shown": Case(
            When(**{f"{name}_id__in": visible}, then=F(f"{name}__name")), default=None
        )
        for name in ("commissioned_by", "conducted_by")
    }
    findings = Joined(
        Finding.objects.order_by().values("audit").annotate(n=Count("*")).values_list("audit", "n"),
        on="pk",
        default=0,
    )
    columns = [
        "pk",
        "facility__supplier__organisation__name",
        "facility__name",
        "kind",
        "standard__code",
        "commissioned_by_shown",
        "conducted_by_shown",
        "audit_firm",
        "start_date",
        "end_date",
        findings[0],
    ]
    return copy_csv_response(
        "audits.csv", EXPORT_HEADER, queryset.annotate(**named), columns, plain=plain
    )


@login_required
def audit_detail(request, pk):
    audit = access.get_object_or_404(
        request.user,
        Audit.objects.select_related(
            "facility__supplier__organisation", "commissioned_by", "conducted_by", "standard"
        ).prefetch_related(Prefetch("pilots", queryset=Pilot.objects.visible_to(request.user))),
        pk=pk,
    )
    findings, groups = audit_findings(audit, request.user)
    is_supplier = (
        audit.facility.supplier.organisation_id in access.actor_for(request.user).writable_org_ids
    )
    can_edit = access.can_edit(request.user, audit)  # adds findings (an NGO: its assessment)
    is_facilitator = access.actor_for(request.user).is_facilitator_editor
    return render(
        request,
        "audits/audit_detail.html",
        {
            "audit": audit,
            "findings": findings,
            "groups": groups,
            "visible_org_ids": access.visible_pks(request.user, Organisation),
            "can_edit": can_edit,
            "can_import": is_facilitator,
            "is_supplier": is_supplier,
            "shares": AuditShare.objects.visible_to(request.user)
            .filter(audit=audit)
            .select_related("customer", "shared_by"),
            "share_form": ShareForm(audit=audit) if is_supplier else None,
            "pilot_form": PilotFromFindingsForm(audit=audit, user=request.user)
            if is_facilitator and findings
            else None,
        },
    )


@login_required
@require_POST
def audit_share(request, pk):
    audit = access.get_object_or_404(
        request.user, Audit.objects.select_related("facility__supplier"), pk=pk
    )
    form = ShareForm(request.POST, audit=audit)
    if not form.is_valid():
        messages.error(request, _("Choose one of your customers."))
        return redirect(audit.get_absolute_url())
    customer = form.cleaned_data["customer"]
    return run_action(
        request,
        audit.get_absolute_url(),
        lambda: services.audit_share(actor=request.user, audit=audit, customer=customer),
        _("%(customer)s can now see this audit.") % {"customer": customer},
    )


@login_required
@require_POST
def audit_share_withdraw(request, pk):
    share = access.get_object_or_404(
        request.user,
        AuditShare.objects.select_related("audit__facility__supplier", "customer"),
        pk=pk,
    )
    return run_action(
        request,
        share.audit.get_absolute_url(),
        lambda: services.audit_share_withdraw(actor=request.user, share=share),
        _("%(customer)s no longer sees this audit.") % {"customer": share.customer},
    )


@login_required
@require_POST
def pilot_from_findings(request, pk):
    audit = access.get_object_or_404(request.user, Audit.objects.all(), access.EDIT, pk=pk)
    form = PilotFromFindingsForm(request.POST, audit=audit, user=request.user)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(audit.get_absolute_url())
    try:
        pilot = services.pilot_from_findings(actor=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect(audit.get_absolute_url())
    messages.success(
        request,
        _("Pilot started from %(count)s findings.") % {"count": len(form.cleaned_data["findings"])},
    )
    return redirect(pilot.get_absolute_url())


@login_required
def action_board(request):
    listing = filtered_list(
        request,
        queryset=CorrectiveAction.objects.with_list_related(),
        filterset_class=CorrectiveActionFilterSet,
    )
    keys = [key for key, _label in BOARD_COLUMNS]
    pages = {key: _page_number(request.GET.get(f"page_{key}")) for key in keys}
    # "More" under a column asks (htmx) for that column's next cards only.
    only = request.GET.get("column") if request.htmx else None
    columns = board(listing.queryset, pages=pages, only=only if only in keys else None)
    params = request.GET.copy()
    params.pop("column", None)
    for column in columns:
        more = params.copy()
        more[f"page_{column.key}"] = column.page + 1
        column.more_query = more.urlencode()
    if only in keys:
        return render(
            request,
            "audits/_board_cards.html",
            {"column": next(c for c in columns if c.key == only)},
            status=listing.status,
        )
    return render(
        request,
        "audits/action_board.html",
        {"filterset": listing.filterset, "columns": columns},
        status=listing.status,
    )


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _hide_unseen(user, reviews, history):
    """A customer an audit is shared with is not told who verifies it for the commissioning
    customer: organisations and people show only to those who may see them."""
    seen_orgs = access.visible_pks(user, Organisation)
    seen_people = access.visible_pks(user, User)
    for review in reviews:
        review.reviewer_shown = (
            review.reviewer.name
            if review.reviewer_id in seen_orgs
            else _("the customer that commissioned the audit")
        )
        if review.decided_by_id is not None and review.decided_by_id not in seen_people:
            review.decided_by = None
    for record in history:
        if record.history_user_id is not None and record.history_user_id not in seen_people:
            record.history_user = None
            record.history_user_hidden = True


@login_required
def action_detail(request, pk):
    action = access.get_object_or_404(
        request.user,
        CorrectiveAction.objects.with_list_related().prefetch_related("finding__clauses__standard"),
        pk=pk,
    )
    actor = access.actor_for(request.user)
    audit = action.finding.audit
    is_supplier = audit.facility.supplier.organisation_id in actor.writable_org_ids
    pending = (
        Review.objects.for_subject(action)
        .of_kind(ReviewKind.ACTION_VERIFICATION)
        .pending()
        .select_related("reviewer")
        .first()
    )
    may_verify = (
        pending is not None
        and not is_supplier
        and (pending.reviewer_id in actor.writable_org_ids or actor.is_facilitator_editor)
    )
    can_edit = access.can_edit(request.user, action)
    reviews = list(
        Review.objects.for_subject(action)
        .of_kind(ReviewKind.ACTION_VERIFICATION)
        .select_related("reviewer", "decided_by", "requested_by")
        .order_by("-requested_at")
    )
    history = action_history(action)
    _hide_unseen(request.user, [*reviews, *([pending] if pending else [])], history)
    return render(
        request,
        "audits/action_detail.html",
        {
            "action": action,
            "audit": audit,
            "finding": action.finding,
            "history": history,
            "reviews": reviews,
            "evidence": action.evidence.select_related("uploaded_by").order_by("-uploaded_at"),
            "can_progress": can_edit and action.status in ("open", "in_progress"),
            "may_verify": may_verify,
            "pending": pending,
            "progress_form": ProgressForm(
                initial={"note": action.progress_note, "version": action.version}
            ),
            "submit_form": SubmitForm(),
            "verify_form": VerifyForm(),
            "reject_form": RejectForm(),
        },
    )


MOVES = {
    "progress": (
        ProgressForm,
        lambda actor, action, data: services.action_progress(
            actor=actor, action=action, note=data["note"], expected_version=data["version"]
        ),
        gettext_lazy("Progress saved."),
    ),
    "submit": (
        SubmitForm,
        lambda actor, action, data: services.action_submit(
            actor=actor, action=action, note=data["note"], evidence=data["evidence"]
        ),
        gettext_lazy("Submitted for verification."),
    ),
    "verify": (
        VerifyForm,
        lambda actor, action, data: services.action_verify(
            actor=actor, action=action, note=data["note"]
        ),
        gettext_lazy("Verified."),
    ),
    "reject": (
        RejectForm,
        lambda actor, action, data: services.action_reject(
            actor=actor, action=action, reason=data["reason"]
        ),
        gettext_lazy("Sent back to the supplier with your reason."),
    ),
}


@login_required
@require_POST
def action_move(request, pk, move):
    if move not in MOVES:
        raise Http404
    action = access.get_object_or_404(request.user, CorrectiveAction.objects.all(), pk=pk)
    return run_move(request, MOVES, move, action, action.get_absolute_url())
