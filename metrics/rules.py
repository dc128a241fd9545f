"""Who sees and edits costs, benefits, rates and KPI figures.

- Currencies and indicators are a shared catalogue: everyone reads them; facilitator editors
  maintain them.
- Exchange rates belong to the facilitator organisation that entered them: its members and
  whoever sees one of its programmes read them (they explain the USD figures); its editors edit.
- A pilot's costs, benefits, tracked indicators and stated figures follow the pilot; those of
  the programme as a whole follow the programme. The facilitator edits them.
- An observation of a pilot is read by whoever sees the pilot; one with no pilot by the
  supplier and the facilitators of that supplier's pilots. The supplier edits its own figures
  until they are confirmed; the facilitator edits those of its pilots.
- A programme's results framework (outcomes, outputs, their indicators, progress reports and
  their judgements) follows the programme: whoever sees the programme reads it; the editors of
  its facilitator edit it.
"""

from django.db.models import Q

from csrplatform import access
from csrplatform.access import EDIT, VIEW, Actor, rule
from csrplatform.reviews.rules import register_review_subjects
from pilots.models import Pilot, Programme
from pilots.rules import editable_pilot_ids, pilot_ids_seen_whole, visible_pilot_ids
from suppliers.models import Supplier

from .choices import ObservationStatus
from .models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    ImportJob,
    Indicator,
    Judgement,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)

register_review_subjects(Observation)


def _writes_for_a_supplier(actor: Actor) -> bool:
    return bool(actor.orgs_of_kind("supplier", writable=True))


@rule(Currency, Indicator)
def catalogue_rule(actor, qs, action):
    """Everyone reads the catalogue; facilitator editors maintain it."""
    if action == VIEW or actor.is_facilitator_editor:
        return qs
    return qs.none()


@rule(ExchangeRate)
def exchange_rate_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(organisation_id__in=actor.orgs_of_kind("facilitator", writable=True))
    programmes = access.visible_ids(actor, Programme)
    facilitators = Programme.objects.filter(pk__in=programmes).values("facilitator_id")
    return qs.filter(Q(organisation_id__in=actor.org_ids) | Q(organisation_id__in=facilitators))


def _pilot_or_programme(actor: Actor, qs, action):
    """Rows of a pilot follow the pilot; rows of the whole programme follow the programme."""
    if action == EDIT:
        programmes = Programme.objects.filter(
            facilitator_id__in=actor.orgs_of_kind("facilitator", writable=True)
        ).values("pk")
        return qs.filter(programme_id__in=programmes).filter(
            Q(pilot__isnull=True) | Q(pilot_id__in=editable_pilot_ids(actor))
        )
    programmes = access.visible_ids(actor, Programme)
    return qs.filter(
        Q(pilot_id__in=visible_pilot_ids(actor))
        | Q(pilot__isnull=True, programme_id__in=programmes)
    )


@rule(CostItem, Benefit, StatedFigure)
def programme_figures_rule(actor, qs, action):
    return _pilot_or_programme(actor, qs, action)


@rule(PilotIndicator)
def pilot_indicator_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(pilot_id__in=editable_pilot_ids(actor))
    return qs.filter(pilot_id__in=visible_pilot_ids(actor))


def _facilitated_suppliers(actor: Actor, *, writable: bool):
    facilitators = actor.orgs_of_kind("facilitator", writable=writable)
    return Pilot.objects.filter(programme__facilitator_id__in=facilitators).values("supplier_id")


def _listed_ids(actor: Actor, key, queryset) -> list:
    """Ids as a list, once per request: a million figures sorted newest first are listed fast
    only when PostgreSQL can estimate the filter, which it cannot through subqueries (it walks
    the whole index for a supplier with no figures)."""
    if key not in actor.built:
        actor.built[key] = list(queryset.values_list(queryset.model._meta.pk.attname, flat=True))
    return actor.built[key]


@rule(Observation, create=_writes_for_a_supplier)
def observation_rule(actor, qs, action):
    writable = action == EDIT
    own = _listed_ids(
        actor,
        ("own suppliers", writable),
        Supplier.objects.filter(
            organisation_id__in=actor.orgs_of_kind("supplier", writable=writable)
        ),
    )
    pilots = _listed_ids(
        actor,
        ("pilots seen whole", writable),
        Pilot.objects.filter(
            pk__in=editable_pilot_ids(actor) if writable else pilot_ids_seen_whole(actor)
        ),
    )
    facilitated = _listed_ids(
        actor,
        ("facilitated suppliers", writable),
        Supplier.objects.filter(pk__in=_facilitated_suppliers(actor, writable=writable)),
    )
    own_figures = Q(supplier_id__in=own)
    if writable:
        own_figures &= ~Q(status=ObservationStatus.CONFIRMED)
    return qs.filter(
        own_figures | Q(pilot_id__in=pilots) | Q(pilot__isnull=True, supplier_id__in=facilitated)
    )


@rule(ImportJob)
def import_job_rule(actor, qs, action):
    """An import, its progress and its problems are seen by whoever uploaded the file."""
    return qs.filter(created_by_id=actor.user_id)


def _follows_programme(actor: Actor, qs, action, programme_field: str):
    """Rows of a programme's results framework follow the programme (`programme_field` leads
    from the row to it)."""
    if action == EDIT:
        programmes = Programme.objects.filter(
            facilitator_id__in=actor.orgs_of_kind("facilitator", writable=True)
        ).values("pk")
    else:
        programmes = access.visible_ids(actor, Programme)
    return qs.filter(**{f"{programme_field}__in": programmes})


@rule(ResultItem, ProgressReport)
def results_rule(actor, qs, action):
    return _follows_programme(actor, qs, action, "programme_id")


@rule(ResultIndicator)
def result_indicator_rule(actor, qs, action):
    return _follows_programme(actor, qs, action, "result_item__programme_id")


@rule(Judgement)
def judgement_rule(actor, qs, action):
    return _follows_programme(actor, qs, action, "progress_report__programme_id")
