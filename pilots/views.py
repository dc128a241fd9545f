"""Pilot pages: lists, the pilot's story, forms for facilitators and actions for participants."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from csrplatform import access
from csrplatform.editing import edit_page, form_errors_text, run_action
from csrplatform.errors import Conflict
from csrplatform.lists import filtered_list, paginate, stream_csv
from metrics import charts, exports, figures, money

from . import budget, iati, services
from .filters import PilotFilterSet, ProgrammeFilterSet
from .forms import (
    ActivityForm,
    AssessmentReplyForm,
    BudgetLineForm,
    CommentForm,
    DeliverableForm,
    DocumentUploadForm,
    FundingForm,
    ParticipantInviteForm,
    PeopleReachedForm,
    PhaseForm,
    PilotCreateForm,
    PilotForm,
    PilotSiteForm,
    ProgrammeForm,
    ReasonForm,
    RespondForm,
    ScopeChangeForm,
    SpendingForm,
    TransitionForm,
)
from .models import (
    Activity,
    BudgetLine,
    Deliverable,
    Document,
    PeopleReached,
    Phase,
    Pilot,
    PilotParticipant,
    PilotSite,
    Programme,
    ProgrammeFunding,
    ScopeChange,
    Spending,
)
from .rules import acting_organisations
from .selectors import pilot_story

# --- lists -------------------------------------------------------------------------------------


@login_required
def pilot_list(request):
    listing = filtered_list(
        request, queryset=Pilot.objects.with_list_related(), filterset_class=PilotFilterSet
    )
    context = {
        "filterset": listing.filterset,
        "can_create": Programme.objects.editable_by(request.user).exists(),
        **paginate(request, listing.queryset),
    }
    template = "pilots/_pilot_results.html" if request.htmx else "pilots/pilot_list.html"
    return render(request, template, context, status=listing.status)


@login_required
def programme_list(request):
    listing = filtered_list(
        request,
        queryset=Programme.objects.with_list_related().with_pilot_counts(request.user),
        filterset_class=ProgrammeFilterSet,
    )
    return render(
        request,
        "pilots/programme_list.html",
        {
            "filterset": listing.filterset,
            "can_create": access.actor_for(request.user).is_facilitator_editor,
            **paginate(request, listing.queryset),
        },
        status=listing.status,
    )


@login_required
def programme_detail(request, pk):
    programme = access.get_object_or_404(
        request.user,
        Programme.objects.select_related("facilitator").prefetch_related("sponsors"),
        pk=pk,
    )
    pilots = Pilot.objects.visible_to(request.user).with_list_related().filter(programme=programme)
    rows = _programme_rows(request.user, programme)
    latest_report, share_compared = figures.latest_report_share(request.user, programme)
    return render(
        request,
        "pilots/programme_detail.html",
        {
            "programme": programme,
            "pilots": pilots,
            "can_edit": access.can_edit(request.user, programme),
            **rows,
            "budget_chart": charts.budget_use_chart(rows["budget_use"]),
            "reach_chart": charts.people_reached_chart(rows["reach_totals"]),
            "latest_report": latest_report,
            "share_compared": share_compared,
            "results_chart": charts.judgements_chart(latest_report, compared=share_compared),
        },
    )


def _programme_rows(user, programme) -> dict:
    """The programme's funding, budget lines, spending and people reached the user may see,
    each read in one query, money rows with their USD (`row.usd`, or `row.usd_error`), and
    the computed budget use and totals of people reached."""

    def visible(model, *related):
        rows = model.objects.visible_to(user).filter(programme=programme)
        return list(rows.select_related(*related) if related else rows)

    table = money.RateTable([programme.facilitator_id])
    fundings = visible(ProgrammeFunding, "donor")
    lines = visible(BudgetLine)
    spendings = visible(Spending, "budget_line")
    for row in (*fundings, *lines, *spendings):
        converted, row.usd_error = money.try_convert(row, table, programme.facilitator_id)
        row.usd = converted.usd if converted is not None else None
    people = visible(PeopleReached, "pilot", "activity")
    for row in people:
        row.shares = budget.sex_shares(row)
    return {
        "fundings": fundings,
        "budget_lines": lines,
        "spendings": spendings,
        "people_reached": people,
        "budget_use": budget.budget_use(
            programme, lines=lines, spendings=spendings, fundings=fundings, table=table
        ),
        "reach_totals": budget.reach_totals(people),
    }


# --- a programme's funding, budget, spending and people reached ---------------------------------

PROGRAMME_ROWS = {
    # kind: (model, form, service, instance argument, title of a new one)
    "funding": (
        ProgrammeFunding,
        FundingForm,
        services.funding_save,
        "funding",
        gettext_lazy("New funding"),
    ),
    "budget-lines": (
        BudgetLine,
        BudgetLineForm,
        services.budget_line_save,
        "line",
        gettext_lazy("New budget line"),
    ),
    "spending": (
        Spending,
        SpendingForm,
        services.spending_save,
        "spending",
        gettext_lazy("New spending"),
    ),
    "people-reached": (
        PeopleReached,
        PeopleReachedForm,
        services.people_reached_save,
        "row",
        gettext_lazy("New count of people reached"),
    ),
}


def _programme_row_page(request, programme, kind, instance=None):
    _model, form_class, service, argument, new_title = PROGRAMME_ROWS[kind]
    form = form_class(
        request.POST or None, instance=instance, user=request.user, programme=programme
    )

    def save():
        return service(
            actor=request.user,
            programme=programme,
            **({argument: instance} if instance is not None else {}),
            **form.cleaned_data,
        )

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={
            "title": (_("Edit %(row)s") % {"row": instance}) if instance else new_title,
            "back": programme.get_absolute_url(),
        },
        success_message=_("Saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_row_create(request, pk, kind):
    if kind not in PROGRAMME_ROWS:
        raise Http404
    programme = access.get_object_or_404(request.user, Programme.objects.all(), access.EDIT, pk=pk)
    return _programme_row_page(request, programme, kind)


@login_required
@require_http_methods(["GET", "POST"])
def programme_row_update(request, kind, row_pk):
    if kind not in PROGRAMME_ROWS:
        raise Http404
    model = PROGRAMME_ROWS[kind][0]
    row = access.get_object_or_404(
        request.user, model.objects.select_related("programme"), access.EDIT, pk=row_pk
    )
    return _programme_row_page(request, row.programme, kind, row)


def _pct(value):
    return "" if value is None else value


def _export_tables(user, programme) -> dict:
    """Each exported table: (header, rows, row function)."""
    rows = _programme_rows(user, programme)
    use = rows["budget_use"]

    def usd(row):
        return row.usd if row.usd is not None else row.usd_error

    money_header = (_("Amount"), _("Currency"), _("Date"), _("USD"))

    def money_cells(row):
        return (row.amount, row.currency_id, row.on_date, usd(row))

    def group_header(first):
        return (
            first,
            _("Budget (USD)"),
            _("Spent (USD)"),
            _("Budget use (%)"),
            _("Share of the budget (%)"),
        )

    def group_row(group):
        return (
            group.label,
            group.budget.usd if group.budget.usd is not None else group.budget.error,
            group.spent.usd if group.spent.usd is not None else group.spent.error,
            _pct(group.use_pct),
            _pct(group.share_pct),
        )

    total = budget.GroupUse("", _("Total"), use.budget, use.spent, use.use_pct, None)

    return {
        "funding": (
            (_("Donor"), *money_header, _("Note")),
            rows["fundings"],
            lambda row: (row.donor.name, *money_cells(row), row.note),
        ),
        "budget-lines": (
            (_("Category"), _("Country"), *money_header, _("Note")),
            rows["budget_lines"],
            lambda row: (row.category, row.country.code, *money_cells(row), row.note),
        ),
        "spending": (
            (_("Budget line"), *money_header, _("Note")),
            rows["spendings"],
            lambda row: (str(row.budget_line), *money_cells(row), row.note),
        ),
        "budget-use": (
            group_header(_("Category")),
            [*use.by_category, total],
            group_row,
        ),
        "budget-use-by-country": (
            group_header(_("Country")),
            [*use.by_country, total],
            group_row,
        ),
        "people-reached": (
            (
                _("What"),
                _("Pilot"),
                _("Activity"),
                _("Date"),
                _("Total"),
                _("Women"),
                _("Men"),
                _("Other or unknown"),
                _("Women (%)"),
                _("Men (%)"),
                _("Note"),
            ),
            rows["people_reached"],
            lambda row: (
                row.get_what_display(),
                row.pilot.title if row.pilot else "",
                row.activity.title if row.activity else "",
                row.on_date or "",
                row.total,
                _pct(row.women),
                _pct(row.men),
                _pct(row.other),
                _pct(row.shares.women_pct),
                _pct(row.shares.men_pct),
                row.note,
            ),
        ),
    }


@login_required
def programme_export(request, pk, table, fmt="csv"):
    """One of the programme's funding, budget and people-reached tables as CSV or XLSX: the
    same rows, written by the same row function."""
    programme = access.get_object_or_404(request.user, Programme.objects.all(), pk=pk)
    tables = _export_tables(request.user, programme)
    if table not in tables:
        raise Http404
    header, rows, row = tables[table]
    name = f"programme-{programme.pk}-{table}"
    if fmt == "xlsx":
        return exports.xlsx_sheets_response([(table, header, map(row, rows))], f"{name}.xlsx")
    return stream_csv(f"{name}.csv", header, rows, row)


@login_required
def programme_export_workbook(request, pk):
    """All of the programme's funding, budget and people-reached tables, a sheet each."""
    programme = access.get_object_or_404(request.user, Programme.objects.all(), pk=pk)
    sheets = [
        (table, header, map(row, rows))
        for table, (header, rows, row) in _export_tables(request.user, programme).items()
    ]
    return exports.xlsx_sheets_response(sheets, f"programme-{programme.pk}.xlsx")


@login_required
def programme_iati(request, pk):
    """The programme as an IATI 2.03 activity file, holding what the user may see."""
    programme = access.get_object_or_404(
        request.user, Programme.objects.select_related("facilitator"), pk=pk
    )
    try:
        content = iati.programme_iati_file(actor=request.user, programme=programme)
    except Conflict as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(programme)
    response = HttpResponse(content, content_type=iati.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{iati.filename(programme)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _programme_form_page(request, programme=None):
    form = ProgrammeForm(request.POST or None, instance=programme, user=request.user)

    def save():
        data = dict(form.cleaned_data)
        sponsors = data.pop("sponsors")
        return services.programme_save(
            actor=request.user, programme=programme, sponsors=sponsors, **data
        )

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={
            "title": (_("Edit %(title)s") % {"title": programme})
            if programme
            else _("New programme"),
            "back": programme.get_absolute_url() if programme else None,
        },
        success_message=_("Programme saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    if not access.actor_for(request.user).is_facilitator_editor:
        raise PermissionDenied(_("Only facilitators set up programmes."))
    return _programme_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def programme_update(request, pk):
    programme = access.get_object_or_404(request.user, Programme.objects.all(), access.EDIT, pk=pk)
    return _programme_form_page(request, programme)


# --- one pilot ---------------------------------------------------------------------------------


def _visible_pilot(request, pk):
    return access.get_object_or_404(
        request.user,
        Pilot.objects.select_related("programme__facilitator", "supplier__organisation"),
        pk=pk,
    )


def _editable_pilot(request, pk):
    return access.get_object_or_404(
        request.user,
        Pilot.objects.select_related("programme__facilitator", "supplier__organisation"),
        access.EDIT,
        pk=pk,
    )


@login_required
def pilot_detail(request, pk):
    pilot = _visible_pilot(request, pk)
    can_edit = access.can_edit(request.user, pilot)
    story = pilot_story(pilot, request.user)
    return render(
        request,
        "pilots/pilot_detail.html",
        {
            "pilot": pilot,
            "can_edit": can_edit,
            **story,
            "transitions": [
                (status, label)
                for status, label in TransitionForm.base_fields["to_status"].choices
                if status in services.allowed_transitions(pilot)
            ]
            if can_edit
            else [],
            "can_take_part": bool(story["acting_organisations"]),
            "comment_form": CommentForm(),
            "reply_form": AssessmentReplyForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pilot_create(request):
    if not Programme.objects.editable_by(request.user).exists():
        raise PermissionDenied(_("Only a programme's facilitator adds pilots to it."))
    form = PilotCreateForm(
        request.POST or None, user=request.user, initial={"programme": request.GET.get("programme")}
    )

    def save():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        return services.pilot_create(actor=request.user, participants=form.participants(), **data)

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={"title": _("New pilot")},
        success_message=_("Pilot created."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def pilot_update(request, pk):
    pilot = _editable_pilot(request, pk)
    form = PilotForm(request.POST or None, instance=pilot, user=request.user)

    def save():
        data = {name: form.cleaned_data[name] for name in services.PILOT_FIELDS}
        return services.pilot_update(
            actor=request.user, pilot=pilot, expected_version=form.cleaned_data["version"], **data
        )

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={
            "title": _("Edit %(title)s") % {"title": pilot.title},
            "back": pilot.get_absolute_url(),
        },
        success_message=_("Changes saved."),
    )


@login_required
@require_POST
def pilot_transition(request, pk):
    pilot = _editable_pilot(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(pilot.get_absolute_url())
    target = form.cleaned_data["to_status"]
    return run_action(
        request,
        pilot.get_absolute_url(),
        lambda: services.pilot_transition(
            actor=request.user,
            pilot=pilot,
            to_status=target,
            reason=form.cleaned_data["reason"],
            effective_on=form.cleaned_data["effective_on"],
        ),
        _("The pilot is now %(status)s.")
        % {"status": dict(TransitionForm.base_fields["to_status"].choices)[target].lower()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_invite(request, pk):
    pilot = _editable_pilot(request, pk)
    form = ParticipantInviteForm(request.POST or None, user=request.user)

    def save():
        services.participant_invite(actor=request.user, pilot=pilot, **form.cleaned_data)
        return pilot

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={
            "title": _("Invite to %(title)s") % {"title": pilot},
            "back": pilot.get_absolute_url(),
        },
        success_message=_("Invitation recorded."),
    )


@login_required
@require_POST
def participant_respond(request, pk):
    participant = access.get_object_or_404(
        request.user, PilotParticipant.objects.select_related("pilot"), pk=pk
    )
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or decline."))
        return redirect(participant.pilot.get_absolute_url())
    return run_action(
        request,
        participant.pilot.get_absolute_url(),
        lambda: services.participant_respond(
            actor=request.user, participant=participant, **form.cleaned_data
        ),
        _("Answer recorded."),
    )


# --- phases and the rest of the story ---------------------------------------------------------


def _part_page(request, pilot, form_class, instance, save_service, name, title):
    form = form_class(request.POST or None, instance=instance, user=request.user, pilot=pilot)

    def save():
        return save_service(
            actor=request.user, pilot=pilot, **{name: instance}, **form.cleaned_data
        )

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={"title": title, "back": pilot.get_absolute_url()},
        success_message=_("Saved."),
    )


PARTS = {
    "phase": (Phase, PhaseForm, services.phase_save, gettext_lazy("phase")),
    "deliverable": (
        Deliverable,
        DeliverableForm,
        services.deliverable_save,
        gettext_lazy("deliverable"),
    ),
    "activity": (Activity, ActivityForm, services.activity_save, gettext_lazy("activity")),
    "scope_change": (
        ScopeChange,
        ScopeChangeForm,
        services.scope_change_save,
        gettext_lazy("scope change"),
    ),
    "site": (PilotSite, PilotSiteForm, services.site_save, gettext_lazy("site")),
}


def _create_part(part):
    _model, form_class, service, label = PARTS[part]

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request, pk):
        pilot = _editable_pilot(request, pk)
        return _part_page(
            request,
            pilot,
            form_class,
            None,
            service,
            part,
            _("New %(what)s for %(pilot)s") % {"what": label, "pilot": pilot},
        )

    return view


def _update_part(part):
    model, form_class, service, label = PARTS[part]

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request, pk):
        instance = access.get_object_or_404(
            request.user, model.objects.select_related("pilot"), access.EDIT, pk=pk
        )
        return _part_page(
            request,
            instance.pilot,
            form_class,
            instance,
            service,
            part,
            _("Edit %(what)s") % {"what": label},
        )

    return view


phase_create, phase_update = _create_part("phase"), _update_part("phase")
deliverable_create, deliverable_update = _create_part("deliverable"), _update_part("deliverable")
activity_create, activity_update = _create_part("activity"), _update_part("activity")
scope_change_create = _create_part("scope_change")
scope_change_update = _update_part("scope_change")
site_create, site_update = _create_part("site"), _update_part("site")


PHASE_ACTIONS = {
    "request-agreement": (
        lambda actor, phase, form: services.phase_request_agreement(actor=actor, phase=phase),
        gettext_lazy("Agreement requested from every participant."),
    ),
    "agree": (
        lambda actor, phase, form: services.phase_agree(
            actor=actor,
            phase=phase,
            organisation=form.cleaned_data["organisation"],
            note=form.cleaned_data["note"],
            on=form.cleaned_data["on"],
        ),
        gettext_lazy("Agreement recorded."),
    ),
    "decline": (
        lambda actor, phase, form: services.phase_decline(
            actor=actor,
            phase=phase,
            organisation=form.cleaned_data["organisation"],
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
        ),
        gettext_lazy("Your objection was recorded."),
    ),
    "start": (
        lambda actor, phase, form: services.phase_start(
            actor=actor, phase=phase, started_on=form.cleaned_data["on"]
        ),
        gettext_lazy("Phase started."),
    ),
    "complete": (
        lambda actor, phase, form: services.phase_complete(
            actor=actor, phase=phase, completed_on=form.cleaned_data["on"]
        ),
        gettext_lazy("Phase completed."),
    ),
}


@login_required
@require_POST
def phase_action(request, pk, action):
    if action not in PHASE_ACTIONS:
        raise Http404
    phase = access.get_object_or_404(
        request.user, Phase.objects.select_related("pilot__programme", "pilot__supplier"), pk=pk
    )
    form = ReasonForm(request.POST, pilot=phase.pilot)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(phase.pilot.get_absolute_url())
    service, message = PHASE_ACTIONS[action]
    return run_action(
        request, phase.pilot.get_absolute_url(), lambda: service(request.user, phase, form), message
    )


# --- documents and comments -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    pilot = _visible_pilot(request, pk)
    if not acting_organisations(request.user, pilot):
        raise PermissionDenied(_("Only the pilot's participants upload documents to it."))
    form = DocumentUploadForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        pilot=pilot,
        initial={"phase": request.GET.get("phase"), "deliverable": request.GET.get("deliverable")},
    )

    def save():
        data = dict(form.cleaned_data)
        try:
            services.document_upload(
                actor=request.user, pilot=pilot, upload=data.pop("file"), **data
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise ValidationError({"file": exc.messages}) from exc
            raise
        return pilot

    return edit_page(
        request,
        forms=[form],
        save=save,
        template="pilots/form.html",
        context={
            "title": _("Upload a document to %(pilot)s") % {"pilot": pilot},
            "back": pilot.get_absolute_url(),
            "multipart": True,
        },
        success_message=_("Document uploaded."),
    )


@login_required
def document_download(request, pk):
    document = access.get_object_or_404(request.user, Document.objects.all(), pk=pk)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    # Always a download, never a page of this site: the browser neither guesses another type
    # nor, should it show the file anyway, lets it run scripts or load anything.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def assessment_reply(request, pk):
    document = access.get_object_or_404(
        request.user, Document.objects.select_related("pilot"), pk=pk, pilot__isnull=False
    )
    form = AssessmentReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply and choose accept or dispute."))
        return redirect(document.pilot.get_absolute_url())
    return run_action(
        request,
        document.pilot.get_absolute_url(),
        lambda: services.assessment_reply(
            actor=request.user, document=document, **form.cleaned_data
        ),
        _("Your reply was recorded beside the assessment."),
    )


@login_required
@require_POST
def comment_add(request, pk):
    pilot = _visible_pilot(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
        return redirect(pilot.get_absolute_url())
    return run_action(
        request,
        pilot.get_absolute_url(),
        lambda: services.comment_add(
            actor=request.user, pilot=pilot, body=form.cleaned_data["body"]
        ),
        _("Comment added."),
    )
