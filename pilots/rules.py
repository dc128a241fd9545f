"""Who sees and edits programmes, pilots and everything in a pilot.

A facilitator sees and edits everything in the programmes its organisation facilitates.
Customers, suppliers and partners see the pilots they take part in (invited or accepted; a
declined invitation shows nothing) and the pilot's supplier sees its own pilots. A programme is
seen by its facilitator, its sponsors, its donors and whoever sees one of its pilots. Its
funding, budget and spending follow the programme; people reached follow their pilot, if any.
Phases, deliverables, activities, scope changes and participants follow their pilot; documents
follow their pilot and their visibility, or, as evidence, their corrective action.

What a pilot names is seen by whoever sees the pilot (`pilot_named_organisation_ids`, granted to
the directory's organisations and supplier profiles): one rule for what fellow participants see
of each other.
"""

from django.db.models import Q, QuerySet

from csrplatform import access
from csrplatform.access import EDIT, VIEW, Actor, rule
from csrplatform.reviews.rules import register_review_subjects
from suppliers.models import Organisation, Supplier

from .choices import SiteRole
from .models import (
    Activity,
    BudgetLine,
    Comment,
    Deliverable,
    Document,
    PeopleReached,
    Phase,
    Pilot,
    PilotParticipant,
    PilotSite,
    PilotStatusChange,
    Programme,
    ProgrammeFunding,
    ScopeChange,
    Spending,
)

register_review_subjects(Phase, Document)


def _facilitated(actor: Actor, action, prefix="") -> Q:
    orgs = actor.orgs_of_kind("facilitator", writable=action == EDIT)
    return Q(**{f"{prefix}programme__facilitator_id__in": orgs})


def visible_pilot_ids(actor: Actor) -> QuerySet:
    takes_part = (
        Q(
            participants__organisation_id__in=actor.org_ids,
            participants__invitation_status__in=("invited", "accepted"),
        )
        | Q(supplier__organisation_id__in=actor.supplier_org_ids)
        | Q(pk__in=_pilots_with_sites_of(actor.supplier_org_ids))
    )
    return Pilot.objects.filter(_facilitated(actor, VIEW) | takes_part).values("pk")


def pilot_ids_seen_whole(actor: Actor) -> QuerySet:
    """The pilots whose every figure the actor reads: those it facilitates, or takes part in as
    a customer, partner or consultant. A supplier reads its own figures only, so that a pilot
    across several factories does not show one factory another's, nor the comparison group's."""
    others = [pk for pk in actor.org_ids if pk not in actor.supplier_org_ids]
    takes_part = Q(
        participants__organisation_id__in=others,
        participants__invitation_status__in=("invited", "accepted"),
    )
    return Pilot.objects.filter(_facilitated(actor, VIEW) | takes_part).values("pk")


def _pilots_with_sites_of(supplier_org_ids) -> QuerySet:
    """A supplier taking part at one of a pilot's sites sees the pilot; a comparison site does
    not take part."""
    return PilotSite.objects.filter(
        role=SiteRole.PARTICIPANT, supplier__organisation_id__in=supplier_org_ids
    ).values("pilot_id")


def editable_pilot_ids(actor: Actor) -> QuerySet:
    return Pilot.objects.filter(_facilitated(actor, EDIT)).values("pk")


def _pilot_ids(actor: Actor, action) -> QuerySet:
    return editable_pilot_ids(actor) if action == EDIT else visible_pilot_ids(actor)


def pilot_named_organisation_ids(actor: Actor) -> QuerySet:
    """What fellow participants of a pilot see of each other's organisations.

    Whoever sees a pilot (its facilitator, its supplier, its invited or accepted participants)
    sees the organisation record (name, kind, location, website) of every organisation the
    pilot names: its supplier and its participants (a declined invitation stays part of the
    pilot's story), and the sponsors of the programmes it sees. Of a supplier it sees which
    supplier profile is the pilot's (so the pilot's `supplier` resolves), but not the profile's
    private data, the facilities, customers or audits: those stay with the directory's and the
    audits' own rules (`suppliers.rules.readable_profile_ids`).
    """
    if "pilot_named_organisation_ids" not in actor.built:  # built once per request
        pilots = visible_pilot_ids(actor)
        programmes = access.visible_ids(actor, Programme)
        sponsors = Programme.sponsors.through.objects.filter(programme_id__in=programmes)
        donors = ProgrammeFunding.objects.filter(programme_id__in=programmes)
        actor.built["pilot_named_organisation_ids"] = Organisation.objects.filter(
            Q(pk__in=PilotParticipant.objects.filter(pilot_id__in=pilots).values("organisation_id"))
            | Q(pk__in=Pilot.objects.filter(pk__in=pilots).values("supplier__organisation_id"))
            | Q(
                pk__in=PilotSite.objects.filter(pilot_id__in=pilots).values(
                    "supplier__organisation_id"
                )
            )
            | Q(pk__in=sponsors.values("organisation_id"))
            | Q(pk__in=donors.values("donor_id"))
        ).values("pk")
    return actor.built["pilot_named_organisation_ids"]


@access.grant(Organisation)
def organisations_named_by_visible_pilots(actor):
    return pilot_named_organisation_ids(actor)


@access.grant(Supplier)
def suppliers_named_by_visible_pilots(actor):
    return Supplier.objects.filter(organisation_id__in=pilot_named_organisation_ids(actor)).values(
        "pk"
    )


@rule(Programme)
def programme_rule(actor, qs, action):
    facilitated = Q(facilitator_id__in=actor.orgs_of_kind("facilitator", writable=action == EDIT))
    if action == EDIT:
        return qs.filter(facilitated)
    programmes_of_visible_pilots = Pilot.objects.filter(pk__in=visible_pilot_ids(actor)).values(
        "programme_id"
    )
    funded = ProgrammeFunding.objects.filter(donor_id__in=actor.org_ids).values("programme_id")
    return qs.filter(
        facilitated
        | Q(pk__in=programmes_of_visible_pilots)
        | Q(sponsors__in=actor.org_ids)
        | Q(pk__in=funded)
    ).distinct()


def _programme_ids(actor: Actor, action) -> QuerySet:
    if action == EDIT:
        return Programme.objects.filter(
            facilitator_id__in=actor.orgs_of_kind("facilitator", writable=True)
        ).values("pk")
    return access.visible_ids(actor, Programme)


@rule(ProgrammeFunding, BudgetLine, Spending)
def programme_money_rule(actor, qs, action):
    """A programme's funding, budget and spending follow the programme: seen by whoever sees
    it (donors included), changed by its facilitator's editors."""
    return qs.filter(programme_id__in=_programme_ids(actor, action))


@rule(PeopleReached)
def people_reached_rule(actor, qs, action):
    """Counts of a pilot follow the pilot; counts of the whole programme follow the
    programme."""
    if action == EDIT:
        return qs.filter(programme_id__in=_programme_ids(actor, EDIT))
    return qs.filter(
        Q(pilot_id__in=visible_pilot_ids(actor))
        | Q(pilot__isnull=True, programme_id__in=_programme_ids(actor, VIEW))
    )


@rule(Pilot)
def pilot_rule(actor, qs, action):
    return qs.filter(pk__in=_pilot_ids(actor, action))


@rule(PilotParticipant, PilotSite, PilotStatusChange, Phase, Deliverable, Activity, ScopeChange)
def pilot_part_rule(actor, qs, action):
    """Whoever may see (edit) the pilot."""
    return qs.filter(pilot_id__in=_pilot_ids(actor, action))


@rule(Comment)
def comment_rule(actor, qs, action):
    """Comments are read by whoever sees the pilot; people edit only their own."""
    if action == EDIT:
        return qs.filter(author_id=actor.user_id)
    return qs.filter(pilot_id__in=visible_pilot_ids(actor))


@rule(Document)
def document_rule(actor, qs, action):
    """A pilot's documents follow the pilot and their visibility; evidence on a corrective
    action is seen by whoever sees the action."""
    if action == EDIT:
        return qs.filter(pilot_id__in=editable_pilot_ids(actor))
    facilitates = _facilitated(actor, VIEW, prefix="pilot__")
    is_the_supplier = Q(pilot__supplier__organisation_id__in=actor.supplier_org_ids)
    on_visible_pilot = Q(pilot_id__in=visible_pilot_ids(actor)) & (
        Q(visibility="all_participants")
        | Q(visibility="facilitator_supplier") & (facilitates | is_the_supplier)
        | facilitates
        | Q(uploaded_for_id__in=actor.org_ids)
    )
    corrective_action_model = Document._meta.get_field("corrective_action").related_model
    on_visible_action = Q(
        corrective_action_id__in=access.visible_ids(actor, corrective_action_model)
    )
    return qs.filter(on_visible_pilot | on_visible_action)


def acting_organisations(user, pilot) -> list:
    """The organisations `user` may speak for in `pilot`: writable memberships of active
    participants, of the pilot's supplier, or of the programme's facilitator."""
    actor = access.actor_for(user)
    participating = set(
        PilotParticipant.objects.filter(pilot=pilot, organisation_id__in=actor.writable_org_ids)
        .exclude(invitation_status="declined")
        .values_list("organisation_id", flat=True)
    )
    for org_id in (pilot.supplier.organisation_id, pilot.programme.facilitator_id):
        if org_id in actor.writable_org_ids:
            participating.add(org_id)
    return sorted(participating)
