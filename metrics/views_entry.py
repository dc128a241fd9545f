"""Entering costs, benefits, rates, indicators and KPI figures, and confirming figures.

Facilitators enter a programme's figures; suppliers enter their own KPI figures, which the
pilot's partner (or the facilitator) confirms or returns from the figure's page. Pages validate
through csrplatform.editing and save through metrics.services; whatever the user may not
change is a 404, like a missing id.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from csrplatform import access
from csrplatform.accounts.models import User
from csrplatform.editing import edit_page, error_text, run_move
from csrplatform.lists import filtered_list, paginate, paginate_uncounted
from csrplatform.reviews.models import Review, ReviewEvent, ReviewKind
from pilots.models import Pilot, Programme
from suppliers.models import Facility

from . import figures, services
from .choices import ObservationStatus
from .filters import ObservationFilterSet
from .forms import (
    BenefitForm,
    ConfirmForm,
    CostItemForm,
    ExchangeRateForm,
    IndicatorForm,
    JudgementRowForm,
    ObservationForm,
    PilotIndicatorForm,
    ProgressReportForm,
    ResultIndicatorForm,
    ResultItemForm,
    ReturnForm,
    StatedFigureForm,
    observation_pilots,
)
from .models import (
    Benefit,
    CostItem,
    ExchangeRate,
    Indicator,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)

FORM_TEMPLATE = "metrics/entry_form.html"


@dataclass
class _Then:
    """Where edit_page goes after a save (metrics rows have no page of their own)."""

    url: str

    def get_absolute_url(self):
        return self.url


def _url(name, pk, fallback):
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the read pages live in metrics.views
        return fallback


def pilot_costs_url(pilot_id):
    return _url("metrics:pilot-costs", pilot_id, f"/metrics/pilots/{pilot_id}/costs/")


def pilot_kpis_url(pilot_id):
    return _url("metrics:pilot-kpis", pilot_id, f"/metrics/pilots/{pilot_id}/kpis/")


def dashboard_url(programme_id):
    return _url("metrics:programme-dashboard", programme_id, f"/metrics/programmes/{programme_id}/")


def results_url(programme_id):
    return _url(
        "metrics:programme-results", programme_id, f"/metrics/programmes/{programme_id}/results/"
    )


def observation_url(observation):
    return reverse("metrics:observation-detail", args=[observation.pk])


def _figure_page(item):
    """A programme figure's read page: its pilot's costs, or the programme's dashboard."""
    if item.pilot_id:
        return pilot_costs_url(item.pilot_id)
    return dashboard_url(item.programme_id)


def _data(request):
    return request.POST if request.method == "POST" else None


def _editable_programme(request, pk):
    return access.get_object_or_404(
        request.user, Programme.objects.select_related("facilitator"), access.EDIT, pk=pk
    )


def _initial_pilot(request, programme):
    pilot_id = request.GET.get("pilot")
    if not pilot_id:
        return {}
    pilot = access.get_or_404(
        Pilot.objects.editable_by(request.user).filter(programme=programme), pk=pilot_id
    )
    return {"pilot": pilot.pk}


def _refusal_on_form(exc):
    """A service's PermissionDenied said on the form, like any other refusal."""
    return ValidationError(error_text(exc))


def _form_page(request, form, *, save, then, context, message):
    """The entry page of one form (csrplatform.editing.edit_page): `save(form)` is the service
    call, which returns what it saved (its PermissionDenied is said on the form); the page then
    goes to `then(saved)`."""

    def do_save():
        try:
            saved = save(form)
        except PermissionDenied as exc:
            raise _refusal_on_form(exc) from exc
        return _Then(then(saved))

    return edit_page(
        request,
        forms=[form],
        save=do_save,
        template=FORM_TEMPLATE,
        context=context,
        success_message=message,
    )


# --- costs, benefits, stated figures -----------------------------------------------------------


def _new_figure_back(request, programme):
    """Where the page adding a figure goes back to: the pilot's costs, or the dashboard."""
    if request.GET.get("pilot"):
        return pilot_costs_url(request.GET["pilot"])
    return dashboard_url(programme.pk)


def _programme_figure_page(request, programme, instance, figure):
    existing = instance if instance.pk else None
    form = figure.form_class(
        _data(request),
        instance=instance,
        user=request.user,
        programme=programme,
        initial=figure.initial(request, programme) if existing is None else None,
    )
    back = figure.then(instance) if existing else figure.back_new(request, programme)
    return _form_page(
        request,
        form,
        save=lambda form: figure.save(
            actor=request.user,
            programme=programme,
            **{figure.argument: existing},
            **figure.fields(form),
        ),
        then=figure.then,
        context={
            "title": figure.edit_title if existing else figure.add_title,
            "back": back,
            "programme": programme,
        },
        message=figure.message,
    )


@dataclass(frozen=True)
class _ProgrammeFigure:
    """A figure of a programme entered on its own page: cost item, benefit, stated figure,
    and the outcomes, outputs and indicators of its results framework."""

    model: type
    form_class: type
    save: object  # the service: save(actor=, programme=, <argument>=, **fields)
    argument: str  # the service's argument naming the figure changed (None: a new one)
    fields: object  # the service's other arguments, from the valid form
    add_title: str
    edit_title: str
    message: str
    # The path from a row to its programme (an indicator's is its item's).
    programme_path: str = "programme"
    # Where the page goes once saved, and back from an edit page: the row's read page.
    then: object = _figure_page
    # Where the page adding a row goes back to: back_new(request, programme).
    back_new: object = _new_figure_back
    # What a new row's form starts with: initial(request, programme).
    initial: object = _initial_pilot

    def new(self, programme):
        if self.programme_path == "programme":
            return self.model(programme=programme)
        return self.model()

    def programme_of(self, instance):
        for name in self.programme_path.split("__"):
            instance = getattr(instance, name)
        return instance

    def views(self):
        """The add page (of a programme) and the edit page (of a figure)."""

        @login_required
        @require_http_methods(["GET", "POST"])
        def add(request, programme):
            programme = _editable_programme(request, programme)
            return _programme_figure_page(request, programme, self.new(programme), self)

        @login_required
        @require_http_methods(["GET", "POST"])
        def edit(request, pk):
            instance = access.get_object_or_404(
                request.user,
                self.model.objects.select_related(f"{self.programme_path}__facilitator"),
                access.EDIT,
                pk=pk,
            )
            return _programme_figure_page(request, self.programme_of(instance), instance, self)

        return add, edit


cost_item_add, cost_item_edit = _ProgrammeFigure(
    model=CostItem,
    form_class=CostItemForm,
    save=services.cost_item_save,
    argument="cost_item",
    fields=lambda form: form.cost_fields(),
    add_title=gettext_lazy("Add a cost"),
    edit_title=gettext_lazy("Change a cost"),
    message=gettext_lazy("Cost saved."),
).views()
benefit_add, benefit_edit = _ProgrammeFigure(
    model=Benefit,
    form_class=BenefitForm,
    save=services.benefit_save,
    argument="benefit",
    fields=lambda form: form.cleaned_data,
    add_title=gettext_lazy("Add a benefit"),
    edit_title=gettext_lazy("Change a benefit"),
    message=gettext_lazy("Benefit saved."),
).views()
stated_figure_add, stated_figure_edit = _ProgrammeFigure(
    model=StatedFigure,
    form_class=StatedFigureForm,
    save=services.stated_figure_save,
    argument="stated",
    fields=lambda form: form.cleaned_data,
    add_title=gettext_lazy("Record a figure as the source states it"),
    edit_title=gettext_lazy("Change a stated figure"),
    message=gettext_lazy("Stated figure saved."),
).views()


# --- a programme's results framework: outcomes, outputs and their indicators --------------------


def _results_page(row) -> str:
    programme_id = getattr(row, "programme_id", None) or row.result_item.programme_id
    return results_url(programme_id)


def _results_back(request, programme) -> str:
    return results_url(programme.pk)


def _initial_from_query(*names):
    """A new row's form starts with what the link to it says (?parent=3, ?result_item=7); a
    choice the user may not use is not offered by the form, so it is simply not chosen."""

    def initial(request, programme):
        return {name: request.GET[name] for name in names if request.GET.get(name)}

    return initial


result_item_add, result_item_edit = _ProgrammeFigure(
    model=ResultItem,
    form_class=ResultItemForm,
    save=services.result_item_save,
    argument="item",
    fields=lambda form: form.cleaned_data,
    add_title=gettext_lazy("Add an outcome or output"),
    edit_title=gettext_lazy("Change an outcome or output"),
    message=gettext_lazy("Outcome or output saved."),
    then=_results_page,
    back_new=_results_back,
    initial=_initial_from_query("parent", "level"),
).views()


def _indicator_save(*, actor, programme, indicator=None, **fields):
    # The indicator's programme is its outcome's or output's; the form offers only this one's.
    return services.result_indicator_save(actor=actor, indicator=indicator, **fields)


result_indicator_add, result_indicator_edit = _ProgrammeFigure(
    model=ResultIndicator,
    form_class=ResultIndicatorForm,
    save=_indicator_save,
    argument="indicator",
    fields=lambda form: form.cleaned_data,
    add_title=gettext_lazy("Add a results indicator"),
    edit_title=gettext_lazy("Change a results indicator"),
    message=gettext_lazy("Results indicator saved."),
    programme_path="result_item__programme",
    then=_results_page,
    back_new=_results_back,
    initial=_initial_from_query("result_item"),
).views()


# --- exchange rates and indicators -------------------------------------------------------------


def _require_facilitator_editor(request):
    if not access.actor_for(request.user).is_facilitator_editor:
        raise Http404


def _facilitator_entry(request, model, pk):
    """What a facilitator's page changes (None: it adds one); a 404 for anyone else."""
    _require_facilitator_editor(request)
    if not pk:
        return None
    return access.get_object_or_404(request.user, model.objects.all(), access.EDIT, pk=pk)


@login_required
def rate_list(request):
    _require_facilitator_editor(request)
    rates = (
        ExchangeRate.objects.visible_to(request.user)
        .with_list_related()
        .order_by("organisation__name", "currency_id", "-valid_from")
    )
    return render(request, "metrics/entry_rates.html", paginate(request, rates))


@login_required
@require_http_methods(["GET", "POST"])
def rate_edit(request, pk=None):
    rate = _facilitator_entry(request, ExchangeRate, pk)
    return _form_page(
        request,
        ExchangeRateForm(_data(request), instance=rate, user=request.user),
        save=lambda form: services.exchange_rate_save(
            actor=request.user, rate=rate, **form.cleaned_data
        ),
        then=lambda _saved: reverse("metrics:rate-list"),
        context={
            "title": _("Change an exchange rate") if rate else _("Add an exchange rate"),
            "back": reverse("metrics:rate-list"),
            "intro": _("1 unit of the currency is worth this many US dollars from that day on."),
        },
        message=_("Exchange rate saved."),
    )


@login_required
def indicator_list(request):
    indicators = Indicator.objects.visible_to(request.user).select_related(
        "numerator", "denominator"
    )
    return render(
        request,
        "metrics/entry_indicators.html",
        {
            **paginate(request, indicators),
            "can_edit": access.actor_for(request.user).is_facilitator_editor,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk=None):
    indicator = _facilitator_entry(request, Indicator, pk)
    return _form_page(
        request,
        IndicatorForm(_data(request), instance=indicator, user=request.user),
        save=lambda form: services.indicator_save(
            actor=request.user, indicator=indicator, **form.cleaned_data
        ),
        then=lambda _saved: reverse("metrics:indicator-list"),
        context={
            "title": _("Change an indicator") if indicator else _("Add an indicator"),
            "back": reverse("metrics:indicator-list"),
        },
        message=_("Indicator saved."),
    )


def _tracked_page(request, pilot, tracked):
    return _form_page(
        request,
        PilotIndicatorForm(
            _data(request), instance=tracked or PilotIndicator(pilot=pilot), user=request.user
        ),
        save=lambda form: services.pilot_indicator_save(
            actor=request.user, pilot=pilot, tracked=tracked, **form.cleaned_data
        ),
        then=lambda _saved: pilot_kpis_url(pilot.pk),
        context={
            "title": (_("Change a tracked indicator") if tracked else _("Track an indicator")),
            "back": pilot_kpis_url(pilot.pk),
            "pilot": pilot,
            "intro": _(
                "The pilot's KPI table, chart and projected savings are built from the "
                "indicators it tracks."
            ),
        },
        message=_("Tracked indicator saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def tracked_add(request, pilot):
    pilot = access.get_object_or_404(request.user, Pilot.objects.all(), access.EDIT, pk=pilot)
    return _tracked_page(request, pilot, None)


@login_required
@require_http_methods(["GET", "POST"])
def tracked_edit(request, pk):
    tracked = access.get_object_or_404(
        request.user, PilotIndicator.objects.select_related("pilot"), access.EDIT, pk=pk
    )
    return _tracked_page(request, tracked.pilot, tracked)


# --- KPI figures -------------------------------------------------------------------------------


def may_enter_observations(user) -> bool:
    actor = access.actor_for(user)
    return bool(actor.orgs_of_kind("supplier", writable=True)) or actor.is_facilitator_editor


def _observation_page(request, observation):
    pilot = indicator = None
    if observation is None:
        if request.GET.get("pilot"):
            pilot = access.get_or_404(observation_pilots(request.user), pk=request.GET["pilot"])
        if request.GET.get("indicator"):
            indicator = access.get_or_404(
                Indicator.objects.visible_to(request.user), pk=request.GET["indicator"]
            )
    form = ObservationForm(
        _data(request),
        instance=observation,
        user=request.user,
        pilot=pilot,
        indicator=indicator,
    )

    if observation is not None:
        back = observation_url(observation)
    elif pilot is not None:
        back = pilot_kpis_url(pilot.pk)
    else:
        back = reverse("metrics:observation-list")
    return _form_page(
        request,
        form,
        save=lambda form: services.observation_save(
            actor=request.user, observation=observation, **form.observation_fields()
        ),
        then=observation_url,
        context={
            "title": _("Correct a KPI figure") if observation else _("Enter a KPI figure"),
            "back": back,
            "pilot": pilot,
            "intro": _(
                "A supplier's figure waits for confirmation by the pilot's partner "
                "(or the facilitator) before it counts as confirmed."
            ),
        },
        message=_("KPI figure saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def observation_add(request):
    if not may_enter_observations(request.user):
        raise Http404
    return _observation_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def observation_edit(request, pk):
    observation = access.get_object_or_404(
        request.user, Observation.objects.with_list_related(), access.EDIT, pk=pk
    )
    return _observation_page(request, observation)


def _named_if_visible(user, observations):
    """The pilot and facility a figure names show only to whoever may see them: a supplier
    compared with a pilot reads its own figures, not the pilot; a pilot's partner, not the
    supplier's facilities in the directory (`shown_pilot`, `shown_facility`)."""
    seen_pilots = access.visible_among(user, Pilot, (row.pilot_id for row in observations))
    seen_facilities = access.visible_among(
        user, Facility, (row.facility_id for row in observations)
    )
    for row in observations:
        row.shown_pilot = row.pilot if row.pilot_id in seen_pilots else None
        row.shown_facility = row.facility if row.facility_id in seen_facilities else None
    return observations


@login_required
def observation_list(request):
    listing = filtered_list(
        request,
        queryset=Observation.objects.with_list_related(),
        filterset_class=ObservationFilterSet,
    )
    page = paginate_uncounted(request, listing.queryset)
    _named_if_visible(request.user, page["object_list"])
    return render(
        request,
        "metrics/entry_observations.html",
        {
            "filterset": listing.filterset,
            "can_enter": may_enter_observations(request.user),
            **page,
        },
        status=listing.status,
    )


def _review_history(user, observation):
    """Every step of every confirmation asked for the figure, oldest first; a person shows
    only to whoever may see them (else their organisation)."""
    events = list(
        ReviewEvent.objects.filter(
            review__in=Review.objects.for_subject(observation).of_kind(
                ReviewKind.FIGURE_CONFIRMATION
            )
        )
        .select_related("review__reviewer", "actor", "on_behalf_of")
        .order_by("at", "id")
    )
    people = {event.actor_id for event in events}
    seen = set(access.scope(user, User.objects.filter(pk__in=people)).values_list("pk", flat=True))
    for event in events:
        event.actor_shown = event.actor if event.actor_id in seen else None
    return events


@login_required
def observation_detail(request, pk):
    observation = access.get_object_or_404(
        request.user,
        Observation.objects.with_list_related().select_related("entered_by"),
        pk=pk,
    )
    _named_if_visible(request.user, [observation])
    actor = access.actor_for(request.user)
    pending = (
        Review.objects.for_subject(observation)
        .of_kind(ReviewKind.FIGURE_CONFIRMATION)
        .pending()
        .select_related("reviewer")
        .first()
    )
    is_supplier = observation.supplier.organisation_id in actor.writable_org_ids
    may_review = (
        pending is not None
        and not is_supplier
        and (
            pending.reviewer_id in actor.writable_org_ids
            or (actor.is_facilitator_editor and access.can_edit(request.user, observation))
        )
    )
    return render(
        request,
        "metrics/entry_observation.html",
        {
            "observation": observation,
            "pending": pending,
            "may_review": may_review,
            "can_edit": access.can_edit(request.user, observation),
            "history": _review_history(request.user, observation),
            "kpis_url": pilot_kpis_url(observation.pilot_id) if observation.shown_pilot else None,
            "confirm_form": ConfirmForm(),
            "return_form": ReturnForm(),
            "returned": observation.status == ObservationStatus.RETURNED,
        },
    )


MOVES = {
    "confirm": (
        ConfirmForm,
        lambda actor, observation, data: services.observation_confirm(
            actor=actor, observation=observation, note=data["note"]
        ),
        gettext_lazy("Figure confirmed."),
    ),
    "return": (
        ReturnForm,
        lambda actor, observation, data: services.observation_return(
            actor=actor, observation=observation, reason=data["reason"]
        ),
        gettext_lazy("Figure returned to the supplier with your reason."),
    ),
}


@login_required
@require_POST
def observation_move(request, pk, move):
    if move not in MOVES:
        raise Http404
    observation = access.get_object_or_404(request.user, Observation.objects.all(), pk=pk)
    return run_move(request, MOVES, move, observation, observation_url(observation))


# --- a programme's progress reports --------------------------------------------------------------


def _judgement_errors_on_rows(exc: ValidationError, rows) -> ValidationError:
    """The service's refusals of judgements ("<indicator id>-<field>") said beside the rows;
    what remains (the report's own fields) goes back to edit_page."""
    if not hasattr(exc, "error_dict"):
        return exc
    by_indicator = {str(row.indicator.pk): row for row in rows}
    rest = {}
    for key, messages in exc.message_dict.items():
        pk, _sep, field = key.partition("-")
        row = by_indicator.get(pk)
        if row is None or not field:
            rest[key] = messages
            continue
        row.add_error(field if field in row.fields else None, messages)
    if rest:
        return ValidationError(rest)
    return ValidationError(_("Correct the judgements marked below."))


def _progress_report_page(request, programme, report):
    framework = figures.results_framework(request.user, programme)
    existing = {row.indicator_id: row for row in report.judgements.all()} if report else {}
    header = ProgressReportForm(_data(request), instance=report)
    rows = []
    for item, _depth in framework.items:
        for indicator in framework.indicators.get(item.pk, []):
            judged = existing.get(indicator.pk)
            initial = (
                {
                    "rating": judged.rating,
                    "reasoning": judged.reasoning,
                    "judged_on": judged.judged_on,
                }
                if judged
                else None
            )
            rows.append(
                JudgementRowForm(_data(request), indicator=indicator, item=item, initial=initial)
            )

    def save():
        try:
            services.progress_report_record(
                actor=request.user,
                programme=programme,
                report=report,
                judgements={row.indicator: row.judgement_fields() for row in rows},
                **header.cleaned_data,
            )
        except PermissionDenied as exc:
            raise _refusal_on_form(exc) from exc
        except ValidationError as exc:
            raise _judgement_errors_on_rows(exc, rows) from exc
        return _Then(results_url(programme.pk))

    return edit_page(
        request,
        forms=[header, *rows],
        save=save,
        template="metrics/results_report_form.html",
        context={
            "title": _("Change a progress report") if report else _("Record a progress report"),
            "back": results_url(programme.pk),
            "programme": programme,
            "header": header,
            "rows": rows,
        },
        success_message=_("Progress report saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def progress_report_add(request, programme):
    programme = _editable_programme(request, programme)
    return _progress_report_page(request, programme, None)


@login_required
@require_http_methods(["GET", "POST"])
def progress_report_edit(request, pk):
    report = access.get_object_or_404(
        request.user,
        ProgressReport.objects.select_related("programme__facilitator"),
        access.EDIT,
        pk=pk,
    )
    return _progress_report_page(request, report.programme, report)


urlpatterns = [
    path(
        "programmes/<int:programme>/progress-reports/new/",
        progress_report_add,
        name="progress-report-add",
    ),
    path("progress-reports/<int:pk>/edit/", progress_report_edit, name="progress-report-edit"),
    path(
        "programmes/<int:programme>/results/items/new/",
        result_item_add,
        name="result-item-add",
    ),
    path("result-items/<int:pk>/edit/", result_item_edit, name="result-item-edit"),
    path(
        "programmes/<int:programme>/results/indicators/new/",
        result_indicator_add,
        name="result-indicator-add",
    ),
    path("result-indicators/<int:pk>/edit/", result_indicator_edit, name="result-indicator-edit"),
    path("programmes/<int:programme>/costs/new/", cost_item_add, name="cost-add"),
    path("costs/<int:pk>/edit/", cost_item_edit, name="cost-edit"),
    path("programmes/<int:programme>/benefits/new/", benefit_add, name="benefit-add"),
    path("benefits/<int:pk>/edit/", benefit_edit, name="benefit-edit"),
    path("programmes/<int:programme>/stated/new/", stated_figure_add, name="stated-add"),
    path("stated/<int:pk>/edit/", stated_figure_edit, name="stated-edit"),
    path("rates/", rate_list, name="rate-list"),
    path("rates/new/", rate_edit, name="rate-add"),
    path("rates/<int:pk>/edit/", rate_edit, name="rate-edit"),
    path("indicators/", indicator_list, name="indicator-list"),
    path("indicators/new/", indicator_edit, name="indicator-add"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator-edit"),
    path("pilots/<int:pilot>/indicators/new/", tracked_add, name="tracked-add"),
    path("tracked/<int:pk>/edit/", tracked_edit, name="tracked-edit"),
    path("observations/", observation_list, name="observation-list"),
    path("observations/new/", observation_add, name="observation-add"),
    path("observations/<int:pk>/", observation_detail, name="observation-detail"),
    path("observations/<int:pk>/edit/", observation_edit, name="observation-edit"),
    path("observations/<int:pk>/<str:move>/", observation_move, name="observation-move"),
]
