"""Recording costs, benefits, rates, indicators and KPI figures, and confirming figures.

A supplier's own figure waits for confirmation: it is asked of the pilot's civil-society
partner (or, with none, of the facilitator) through the one review mechanism. A figure entered
by the facilitator, or imported by it from an audit, counts as confirmed.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict
from csrplatform.reviews import services as reviews
from csrplatform.reviews.models import Review, ReviewKind
from csrplatform.services import apply_fields, require
from pilots.choices import InvitationStatus, ParticipantRole
from pilots.models import Pilot, PilotSite
from pilots.rules import editable_pilot_ids
from suppliers.models import Supplier

from . import money
from .choices import ObservationStatus
from .models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    Indicator,
    Judgement,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)

COST_FIELDS = (
    "pilot",
    "phase",
    "borne_by",
    "nature",
    "category",
    "description",
    "unit_amount",
    "quantity_parts",
    "amount",
    "currency",
    "pinned_rate",
    "on_date",
    "certainty",
    "person_days",
    "fte_low",
    "fte_high",
    "stated_usd",
    "source",
    "excluded_reason",
)
BENEFIT_FIELDS = (
    "pilot",
    "phase",
    "status",
    "incentive",
    "description",
    "amount",
    "currency",
    "pinned_rate",
    "on_date",
    "per",
)
# What a KPI figure says, between whose figure it is and its note.
OBSERVATION_FIGURE_FIELDS = (
    "period_start",
    "period_end",
    "value",
    "unit",
    "kind",
    "source",
    "sex",
    "contract_type",
)
OBSERVATION_FIELDS = (
    "indicator",
    "supplier",
    "facility",
    "pilot",
    *OBSERVATION_FIGURE_FIELDS,
    "note",
)
INDICATOR_FIELDS = (
    "name",
    "unit",
    "better",
    "kind",
    "numerator",
    "denominator",
    "per",
    "rollup",
    "description",
)


class FigureEditConflict(Conflict):
    """A change of a KPI figure based on a version someone has changed since (409)."""


def _lock_figure(observation: Observation, expected_version: int | None) -> int:
    """Lock the figure's row until the transaction ends and refuse the change if the figure
    is no longer at `expected_version` (by default the version `observation` was read at).
    Returns the version the change makes, to set just before saving (a refusal after this
    rolls the database back, not the instance)."""
    current = (
        Observation.objects.select_for_update()
        .values_list("version", flat=True)
        .get(pk=observation.pk)
    )
    if current != (observation.version if expected_version is None else expected_version):
        raise FigureEditConflict(
            _(
                "Someone changed this figure after you opened it. Your change was not saved: "
                "reload it to see theirs, then make yours again."
            ),
            code="conflict",
        )
    return current + 1


def _require_programme_editor(actor, programme):
    require(access.can_edit(actor, programme), _("Only the programme's facilitator may do this."))


def _save(instance, *, actor, fields, allowed, who_field="entered_by"):
    apply_fields(instance, fields, allowed)
    if not instance.pk and who_field and hasattr(instance, who_field):
        setattr(instance, who_field, actor)
    instance.full_clean()
    instance.save()
    return instance


# --- money -------------------------------------------------------------------------------------


def _require_rate(item, programme):
    """A money figure whose USD value cannot be computed is refused, naming the currency,
    rather than kept without one: enter a dated rate first, or pin the source's."""
    facilitator_id = programme.facilitator_id
    _converted, missing = money.try_convert(item, money.RateTable([facilitator_id]), facilitator_id)
    if missing:
        raise ValidationError({"currency": [missing]})


def _money_figure_save(actor, programme, figure, fields, allowed):
    """Save a programme's money figure (cost item, benefit) that stays in the programme and
    has a USD value."""
    _require_programme_editor(actor, programme)
    if figure.pk and figure.programme_id != programme.pk:
        raise PermissionDenied
    figure = _save(figure, actor=actor, fields=fields, allowed=allowed)
    _require_rate(figure, programme)
    if isinstance(figure, CostItem) and figure.borne_by_id not in cost_bearer_ids(
        programme, figure.pilot
    ):
        raise ValidationError(
            {"borne_by": _("Name the facilitator, a sponsor, or an organisation of the pilot.")}
        )
    return figure


def cost_bearer_ids(programme, pilot=None) -> set[int]:
    """Who may bear a cost: the programme's facilitator and sponsors and, for a pilot's cost,
    the pilot's supplier and its participants who have not declined (so a cost never names an
    organisation the pilot's own people cannot see)."""
    ids = {programme.facilitator_id, *programme.sponsors.values_list("pk", flat=True)}
    if pilot is not None:
        ids.add(pilot.supplier.organisation_id)
        ids.update(
            pilot.participants.exclude(invitation_status=InvitationStatus.DECLINED).values_list(
                "organisation_id", flat=True
            )
        )
    return ids


@transaction.atomic
def cost_item_save(*, actor, programme, cost_item: CostItem | None = None, **fields) -> CostItem:
    """Record or change a cost of a pilot or of the whole programme (facilitators)."""
    return _money_figure_save(
        actor, programme, cost_item or CostItem(programme=programme), fields, COST_FIELDS
    )


@transaction.atomic
def benefit_save(*, actor, programme, benefit: Benefit | None = None, **fields) -> Benefit:
    """Record or change an expected or received benefit (facilitators)."""
    return _money_figure_save(
        actor, programme, benefit or Benefit(programme=programme), fields, BENEFIT_FIELDS
    )


@transaction.atomic
def exchange_rate_save(*, actor, rate: ExchangeRate | None = None, **fields) -> ExchangeRate:
    """Enter a dated rate for the facilitator organisation's programmes."""
    rate = rate or ExchangeRate()
    organisation = fields.get("organisation", getattr(rate, "organisation", None))
    require(
        organisation is not None
        and organisation.pk in access.actor_for(actor).orgs_of_kind("facilitator", writable=True),
        _("Only a facilitator's editors enter exchange rates for it."),
    )
    return _save(
        rate,
        actor=actor,
        fields=fields,
        allowed=("organisation", "currency", "valid_from", "usd", "source"),
    )


@transaction.atomic
def currency_save(*, actor, currency: Currency | None = None, **fields) -> Currency:
    require(access.can_create(actor, Currency), _("Only facilitators maintain currencies."))
    return _save(
        currency or Currency(), actor=actor, fields=fields, allowed=("code", "name"), who_field=""
    )


@transaction.atomic
def stated_figure_save(
    *, actor, programme, stated: StatedFigure | None = None, **fields
) -> StatedFigure:
    _require_programme_editor(actor, programme)
    stated = stated or StatedFigure(programme=programme)
    return _save(
        stated,
        actor=actor,
        fields=fields,
        allowed=("pilot", "kind", "organisation_kind", "value", "text", "source"),
        who_field="",
    )


# --- KPIs --------------------------------------------------------------------------------------


@transaction.atomic
def indicator_save(*, actor, indicator: Indicator | None = None, **fields) -> Indicator:
    require(access.can_create(actor, Indicator), _("Only facilitators maintain indicators."))
    return _save(
        indicator or Indicator(),
        actor=actor,
        fields=fields,
        allowed=INDICATOR_FIELDS,
        who_field="",
    )


@transaction.atomic
def pilot_indicator_save(
    *, actor, pilot, tracked: PilotIndicator | None = None, **fields
) -> PilotIndicator:
    """The pilot tracks an indicator (with an optional target change and unit cost)."""
    require(access.can_edit(actor, pilot), _("Only the programme's facilitator may do this."))
    tracked = tracked or PilotIndicator(pilot=pilot)
    return _save(
        tracked,
        actor=actor,
        fields=fields,
        allowed=(
            "indicator",
            "target_change_pct",
            "unit_cost",
            "unit_cost_currency",
            "unit_cost_note",
        ),
        who_field="",
    )


def figure_confirmer(pilot):
    """Who confirms a supplier's figure: the pilot's civil-society partner, else the
    facilitator."""
    partner = (
        pilot.participants.filter(
            role=ParticipantRole.CIVIL_SOCIETY_PARTNER,
            invitation_status=InvitationStatus.ACCEPTED,
        )
        .select_related("organisation")
        .order_by("id")
        .first()
    )
    return partner.organisation if partner else pilot.programme.facilitator


def _speaks_for_supplier(actor, supplier) -> bool:
    return supplier.organisation_id in access.actor_for(actor).orgs_of_kind(
        "supplier", writable=True
    )


def observation_pilots(user):
    """The pilots `user` may record figures for: its own supplier's (as the pilot's supplier or
    at one of its sites), or those it facilitates."""
    actor = access.actor_for(user)
    own = actor.orgs_of_kind("supplier", writable=True)
    return Pilot.objects.visible_to(user).filter(
        Q(supplier__organisation_id__in=own)
        | Q(pk__in=PilotSite.objects.filter(supplier__organisation_id__in=own).values("pilot_id"))
        | Q(pk__in=editable_pilot_ids(actor))
    )


def observation_suppliers(user):
    """The suppliers `user` may record figures for."""
    actor = access.actor_for(user)
    own = actor.orgs_of_kind("supplier", writable=True)
    editable = editable_pilot_ids(actor)
    facilitated = Pilot.objects.filter(pk__in=editable).values("supplier_id")
    sites = PilotSite.objects.filter(pilot_id__in=editable).values("supplier_id")
    return Supplier.objects.filter(
        Q(organisation_id__in=own) | Q(pk__in=facilitated) | Q(pk__in=sites)
    )


@transaction.atomic
def observation_save(
    *,
    actor,
    observation: Observation | None = None,
    review_on: date | None = None,
    expected_version: int | None = None,
    **fields,
) -> Observation:
    """Record or correct a KPI figure.

    The supplier's own figures wait for confirmation (a review asked of the pilot's partner);
    the facilitator's count as confirmed. A confirmed figure is corrected by the facilitator
    only. A correction based on a version someone has changed since is refused.
    """
    observation = observation or Observation()
    if observation.pk:
        require(access.can_edit(actor, observation), _("You may not change this figure."))
        next_version = _lock_figure(observation, expected_version)
    supplier = fields.get("supplier", getattr(observation, "supplier", None))
    pilot = fields.get("pilot", observation.pilot if observation.pilot_id else None)
    if supplier is None:
        raise ValidationError({"supplier": _("Name the supplier the figure is about.")})
    by_supplier = _speaks_for_supplier(actor, supplier)
    by_facilitator = pilot is not None and access.can_edit(actor, pilot)
    if pilot is None and not by_supplier:
        # As the rule reads them back: a supplier of one of the facilitator's pilots.
        by_facilitator = supplier.pilots.filter(
            programme__facilitator_id__in=access.actor_for(actor).orgs_of_kind(
                "facilitator", writable=True
            )
        ).exists()
    require(by_supplier or by_facilitator, _("You may not record figures for this supplier."))
    if "unit" not in fields and "indicator" in fields and not observation.unit:
        fields["unit"] = fields["indicator"].unit
    apply_fields(observation, fields, OBSERVATION_FIELDS)
    if not observation.pk:
        observation.entered_by = actor
        observation.entered_for = (
            supplier.organisation if by_supplier and not by_facilitator else None
        )
    observation.status = (
        ObservationStatus.CONFIRMED if by_facilitator else ObservationStatus.SUBMITTED
    )
    is_new = observation.pk is None
    observation.full_clean()
    reviewer = None
    if observation.status == ObservationStatus.SUBMITTED:
        reviewer = (
            figure_confirmer(pilot) if pilot is not None else None
        ) or _facilitator_of_supplier(supplier)
        if reviewer is None:
            raise ValidationError(
                {"pilot": _("Name the pilot the figure is for: no one could confirm it otherwise.")}
            )
    if not is_new:
        observation.version = next_version
    observation.save()
    if not is_new:
        # A changed figure is asked again (the supplier's) or stands as the facilitator's:
        # either way the earlier request no longer waits on anyone.
        reviews.review_withdraw(
            actor=actor, subject=observation, kind=ReviewKind.FIGURE_CONFIRMATION
        )
    if reviewer is not None:
        reviews.review_request(
            actor=actor,
            subject=observation,
            kind=ReviewKind.FIGURE_CONFIRMATION,
            reviewer=reviewer,
            on=review_on,
        )
    return observation


def _facilitator_of_supplier(supplier):
    pilot = supplier.pilots.select_related("programme__facilitator").order_by("-id").first()
    return pilot.programme.facilitator if pilot else None


def _figure_review(observation) -> Review:
    review = (
        Review.objects.for_subject(observation)
        .of_kind(ReviewKind.FIGURE_CONFIRMATION)
        .pending()
        .select_related("reviewer")
        .first()
    )
    if review is None:
        raise Conflict(_("This figure is not waiting for confirmation."), code="conflict")
    return review


@transaction.atomic
def observation_confirm(
    *, actor, observation: Observation, note: str = "", on=None, expected_version=None
):
    """The partner (or facilitator) confirms a supplier's figure, as it was read (or at
    `expected_version`): not a correction saved since."""
    next_version = _lock_figure(observation, expected_version)
    review = _figure_review(observation)
    reviews.review_approve(actor=actor, review=review, note=note, on=on)
    observation.status = ObservationStatus.CONFIRMED
    observation.version = next_version
    observation.save(update_fields=["status", "version"])
    return observation


@transaction.atomic
def observation_return(
    *, actor, observation: Observation, reason: str, on=None, expected_version=None
):
    """The partner (or facilitator) sends a figure back with a reason; the supplier corrects
    it, which asks again."""
    next_version = _lock_figure(observation, expected_version)
    review = _figure_review(observation)
    reviews.review_return(actor=actor, review=review, reason=reason, on=on)
    observation.status = ObservationStatus.RETURNED
    observation.version = next_version
    observation.save(update_fields=["status", "version"])
    return observation


# --- results framework ---------------------------------------------------------------------------

RESULT_ITEM_FIELDS = ("parent", "level", "code", "title")
RESULT_INDICATOR_FIELDS = ("result_item", "name", "unit", "baseline", "target", "actual", "order")
PROGRESS_REPORT_FIELDS = ("date", "title", "notes")
JUDGEMENT_FIELDS = ("indicator", "rating", "reasoning", "judged_on")


def _stays(instance, programme_id, field, message):
    if instance.pk and instance.programme_id != programme_id:
        raise ValidationError({field: message})


@transaction.atomic
def result_item_save(*, actor, programme, item: ResultItem | None = None, **fields) -> ResultItem:
    """Record or change an outcome or output of the programme's results framework."""
    _require_programme_editor(actor, programme)
    item = item or ResultItem(programme=programme)
    _stays(item, programme.pk, "programme", _("An outcome or output stays in its programme."))
    return _save(item, actor=actor, fields=fields, allowed=RESULT_ITEM_FIELDS, who_field="")


@transaction.atomic
def result_indicator_save(
    *, actor, indicator: ResultIndicator | None = None, **fields
) -> ResultIndicator:
    """Record or change an indicator of an outcome or output, with its baseline, target and
    actual; it may move to another outcome or output of the same programme only."""
    if indicator is not None and indicator.pk:
        _require_programme_editor(actor, indicator.result_item.programme)
    item = fields.get("result_item", indicator.result_item if indicator else None)
    if item is None:
        raise ValidationError({"result_item": _("Choose an outcome or output.")})
    _require_programme_editor(actor, item.programme)
    if (
        indicator is not None
        and indicator.pk
        and item.programme_id != (indicator.result_item.programme_id)
    ):
        raise ValidationError(
            {"result_item": _("An indicator stays in its programme's results framework.")}
        )
    return _save(
        indicator or ResultIndicator(),
        actor=actor,
        fields=fields,
        allowed=RESULT_INDICATOR_FIELDS,
        who_field="",
    )


@transaction.atomic
def progress_report_save(
    *, actor, programme, report: ProgressReport | None = None, **fields
) -> ProgressReport:
    """Record or change a progress report of the programme (its date, title and notes)."""
    _require_programme_editor(actor, programme)
    report = report or ProgressReport(programme=programme)
    _stays(report, programme.pk, "programme", _("A progress report stays in its programme."))
    return _save(report, actor=actor, fields=fields, allowed=PROGRESS_REPORT_FIELDS, who_field="")


@transaction.atomic
def judgement_save(
    *, actor, progress_report, judgement: Judgement | None = None, **fields
) -> Judgement:
    """Record or change how far a progress report judges one indicator met, why and when.
    A judgement without a date, with a rating outside the list or of an indicator of another
    programme is refused, naming the field."""
    _require_programme_editor(actor, progress_report.programme)
    judgement = judgement or Judgement(progress_report=progress_report)
    if judgement.pk and judgement.progress_report_id != progress_report.pk:
        raise ValidationError({"progress_report": _("A judgement stays in its progress report.")})
    return _save(judgement, actor=actor, fields=fields, allowed=JUDGEMENT_FIELDS, who_field="")


@transaction.atomic
def progress_report_record(*, actor, programme, report=None, judgements, **fields):
    """Save a progress report and its judgements of the programme's indicators in one go.

    `judgements` maps each indicator to its judgement's fields (rating, reasoning,
    judged_on); an indicator mapped to None is not judged in this report (a judgement it had
    is removed). Refusals name the field, keyed "<indicator id>-<field>" for a judgement."""
    report = progress_report_save(actor=actor, programme=programme, report=report, **fields)
    existing = {row.indicator_id: row for row in report.judgements.all()}
    errors = {}
    for indicator, values in judgements.items():
        current = existing.get(indicator.pk)
        if values is None:
            if current is not None:
                current.delete()
            continue
        try:
            judgement_save(
                actor=actor,
                progress_report=report,
                judgement=current,
                indicator=indicator,
                **values,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{indicator.pk}-{field}"] = messages
    if errors:
        raise ValidationError(errors)
    return report
