"""Recording costs, benefits, rates, indicators and KPI figures, and confirming figures.

A supplier's own figure waits for confirmation: it is asked of the pilot's civil-society
partner (or, with none, of the facilitator) through the one review mechanism. A figure entered
by the facilitator, or imported by it from an audit, counts as confirmed.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict
from csrplatform.reviews import services as reviews
from csrplatform.reviews.models import Review, ReviewKind
from csrplatform.services import apply_fields, require
from pilots.choices import InvitationStatus, ParticipantRole

from . import money
from .choices import ObservationStatus
from .models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    Indicator,
    Observation,
    PilotIndicator,
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
OBSERVATION_FIELDS = (
    "indicator",
    "supplier",
    "facility",
    "pilot",
    "period_start",
    "period_end",
    "value",
    "unit",
    "kind",
    "source",
    "sex",
    "contract_type",
    "note",
)


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
    try:
        money.convert(item, money.RateTable([programme.facilitator_id]), programme.facilitator_id)
    except money.MissingRate as exc:
        raise ValidationError({"currency": exc.messages}) from exc


@transaction.atomic
def cost_item_save(*, actor, programme, cost_item: CostItem | None = None, **fields) -> CostItem:
    """Record or change a cost of a pilot or of the whole programme (facilitators)."""
    _require_programme_editor(actor, programme)
    cost_item = cost_item or CostItem(programme=programme)
    if cost_item.pk and cost_item.programme_id != programme.pk:
        raise PermissionDenied
    cost_item = _save(cost_item, actor=actor, fields=fields, allowed=COST_FIELDS)
    _require_rate(cost_item, programme)
    return cost_item


@transaction.atomic
def benefit_save(*, actor, programme, benefit: Benefit | None = None, **fields) -> Benefit:
    """Record or change an expected or received benefit (facilitators)."""
    _require_programme_editor(actor, programme)
    benefit = benefit or Benefit(programme=programme)
    if benefit.pk and benefit.programme_id != programme.pk:
        raise PermissionDenied
    benefit = _save(benefit, actor=actor, fields=fields, allowed=BENEFIT_FIELDS)
    _require_rate(benefit, programme)
    return benefit


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
        allowed=(
            "name",
            "unit",
            "better",
            "kind",
            "numerator",
            "denominator",
            "per",
            "rollup",
            "description",
        ),
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


@transaction.atomic
def observation_save(
    *, actor, observation: Observation | None = None, review_on: date | None = None, **fields
) -> Observation:
    """Record or correct a KPI figure.

    The supplier's own figures wait for confirmation (a review asked of the pilot's partner);
    the facilitator's count as confirmed. A confirmed figure is corrected by the facilitator
    only.
    """
    observation = observation or Observation()
    if observation.pk:
        require(access.can_edit(actor, observation), _("You may not change this figure."))
    supplier = fields.get("supplier", getattr(observation, "supplier", None))
    pilot = fields.get("pilot", observation.pilot if observation.pilot_id else None)
    if supplier is None:
        raise ValidationError({"supplier": _("Name the supplier the figure is about.")})
    by_supplier = _speaks_for_supplier(actor, supplier)
    by_facilitator = pilot is not None and access.can_edit(actor, pilot)
    if pilot is None and not by_supplier:
        by_facilitator = access.actor_for(actor).is_facilitator_editor and access.can_view(
            actor, supplier
        )
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
    observation.save()
    if not is_new:
        # A changed figure is asked again (the supplier's) or stands as the facilitator's:
        # either way the earlier request no longer waits on anyone.
        reviews.review_withdraw(
            actor=actor, subject=observation, kind=ReviewKind.FIGURE_CONFIRMATION
        )
    if observation.status == ObservationStatus.SUBMITTED:
        reviewer = (
            figure_confirmer(pilot) if pilot is not None else None
        ) or _facilitator_of_supplier(supplier)
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
def observation_confirm(*, actor, observation: Observation, note: str = "", on=None):
    """The partner (or facilitator) confirms a supplier's figure."""
    review = _figure_review(observation)
    reviews.review_approve(actor=actor, review=review, note=note, on=on)
    observation.status = ObservationStatus.CONFIRMED
    observation.save(update_fields=["status"])
    return observation


@transaction.atomic
def observation_return(*, actor, observation: Observation, reason: str, on=None):
    """The partner (or facilitator) sends a figure back with a reason; the supplier corrects
    it, which asks again."""
    review = _figure_review(observation)
    reviews.review_return(actor=actor, review=review, reason=reason, on=on)
    observation.status = ObservationStatus.RETURNED
    observation.save(update_fields=["status"])
    return observation
