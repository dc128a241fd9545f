"""The access policy: the one place that says who may see and change what.

Every page, API endpoint, export, filter choice, form dropdown, report and task starts from
`scope(user, queryset, action)`. An object outside the scope does not exist for that user: views
answer 404, never 403, so ids do not leak.

Who someone is follows from their memberships: a member of a facilitator organisation is a
facilitator, of a customer a customer, and so on. Admin and editor members may write; viewers
only read. Later apps add their models to `_RULES` below.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

VIEW = "view"
EDIT = "edit"
ACTIONS = (VIEW, EDIT)

# Organisations of these kinds are public within the platform: every signed-in user may see
# who facilitates, sponsors and supports the programmes.
PUBLIC_KINDS = (
    "facilitator",
    "industry_association",
    "multilateral",
    "government",
    "civil_society",
)


@dataclass(frozen=True)
class Actor:
    """What the policy needs to know about a user, read once per request."""

    user_id: int | None
    is_superuser: bool = False
    org_ids: frozenset = field(default_factory=frozenset)
    writable_org_ids: frozenset = field(default_factory=frozenset)
    kinds_by_org: dict = field(default_factory=dict)

    def orgs_of_kind(self, kind, *, writable=False):
        source = self.writable_org_ids if writable else self.org_ids
        return frozenset(pk for pk in source if self.kinds_by_org[pk] == kind)

    @property
    def is_authenticated(self):
        return self.user_id is not None

    @property
    def is_facilitator(self):
        return self.is_superuser or bool(self.orgs_of_kind("facilitator"))

    @property
    def is_facilitator_editor(self):
        return self.is_superuser or bool(self.orgs_of_kind("facilitator", writable=True))

    @property
    def customer_ids(self):
        return self.orgs_of_kind("customer")

    @property
    def supplier_org_ids(self):
        return self.orgs_of_kind("supplier")

    @property
    def civil_society_ids(self):
        return self.orgs_of_kind("civil_society")


ANONYMOUS = Actor(user_id=None)


def actor_for(user) -> Actor:
    """The user's Actor, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_csr_actor", None)
    if cached is not None:
        return cached
    from csrplatform.accounts.models import Membership

    rows = Membership.objects.filter(user=user).values_list(
        "organisation_id", "organisation__kind", "role"
    )
    kinds, writable = {}, set()
    for org_id, kind, role in rows:
        kinds[org_id] = kind
        if role in ("admin", "editor"):
            writable.add(org_id)
    actor = Actor(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        org_ids=frozenset(kinds),
        writable_org_ids=frozenset(writable),
        kinds_by_org=kinds,
    )
    user._csr_actor = actor
    return actor


# --- rules per model ---------------------------------------------------------------------------
# Each rule takes (actor, queryset, action) and returns the queryset narrowed to what the actor
# may do. Superusers pass through before the rules run.


def _directory_rule(rule):
    """The directory is shared by every facilitator: they see all of it, editors change it."""

    def wrapped(actor, qs, action):
        if actor.is_facilitator:
            return qs if action == VIEW or actor.is_facilitator_editor else qs.none()
        return rule(actor, qs, action)

    return wrapped


def _visible_supplier_ids(actor) -> QuerySet:
    from suppliers.models import Supplier

    return Supplier.objects.filter(
        Q(organisation_id__in=actor.supplier_org_ids)
        | Q(customer_relationships__customer_id__in=actor.customer_ids)
    ).values("pk")


@_directory_rule
def _organisation_rule(actor, qs, action):
    from suppliers.models import SupplyRelationship

    if action == EDIT:
        # Suppliers keep their own records up to date; customers and partners only read.
        return qs.filter(pk__in=actor.orgs_of_kind("supplier", writable=True))
    own_customers = SupplyRelationship.objects.filter(
        supplier__organisation_id__in=actor.supplier_org_ids
    ).values("customer_id")
    return qs.filter(
        Q(pk__in=actor.org_ids)
        | Q(kind__in=PUBLIC_KINDS)
        | Q(supplier_profile__in=_visible_supplier_ids(actor))
        | Q(pk__in=own_customers)
    )


@_directory_rule
def _supplier_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(organisation_id__in=actor.orgs_of_kind("supplier", writable=True))
    return qs.filter(pk__in=_visible_supplier_ids(actor))


@_directory_rule
def _facility_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(
            supplier__organisation_id__in=actor.orgs_of_kind("supplier", writable=True)
        )
    return qs.filter(supplier_id__in=_visible_supplier_ids(actor))


@_directory_rule
def _relationship_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(
        Q(customer_id__in=actor.customer_ids)
        | Q(supplier__organisation_id__in=actor.supplier_org_ids)
    )


@_directory_rule
def _cluster_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(suppliers__in=_visible_supplier_ids(actor)).distinct()


def _certification_rule(actor, qs, action):
    if action == VIEW:
        return qs
    return qs if actor.is_facilitator_editor else qs.none()


# --- pilots: a facilitator sees and edits everything in the programmes its organisation
# facilitates; customers, suppliers and partners see the pilots they take part in.


def _facilitated(actor, action, prefix=""):
    orgs = actor.orgs_of_kind("facilitator", writable=action == EDIT)
    return Q(**{f"{prefix}programme__facilitator_id__in": orgs})


def _visible_pilot_ids(actor) -> QuerySet:
    from pilots.models import Pilot

    takes_part = Q(
        participants__organisation_id__in=actor.org_ids,
        participants__invitation_status__in=("invited", "accepted"),
    ) | Q(supplier__organisation_id__in=actor.supplier_org_ids)
    return Pilot.objects.filter(_facilitated(actor, VIEW) | takes_part).values("pk")


def _editable_pilot_ids(actor) -> QuerySet:
    from pilots.models import Pilot

    return Pilot.objects.filter(_facilitated(actor, EDIT)).values("pk")


def _programme_rule(actor, qs, action):
    facilitated = Q(facilitator_id__in=actor.orgs_of_kind("facilitator", writable=action == EDIT))
    if action == EDIT:
        return qs.filter(facilitated)
    return qs.filter(
        facilitated | Q(pk__in=_pilot_programme_ids(actor)) | Q(sponsors__in=actor.org_ids)
    ).distinct()


def _pilot_programme_ids(actor):
    from pilots.models import Pilot

    return Pilot.objects.filter(pk__in=_visible_pilot_ids(actor)).values("programme_id")


def _pilot_rule(actor, qs, action):
    ids = _editable_pilot_ids(actor) if action == EDIT else _visible_pilot_ids(actor)
    return qs.filter(pk__in=ids)


def _pilot_part_rule(actor, qs, action):
    """Phases, deliverables, activities...: whoever may see (edit) the pilot."""
    ids = _editable_pilot_ids(actor) if action == EDIT else _visible_pilot_ids(actor)
    return qs.filter(pilot_id__in=ids)


def _comment_rule(actor, qs, action):
    if action == EDIT:
        # People edit only their own comments.
        return qs.filter(author_id=actor.user_id)
    return qs.filter(pilot_id__in=_visible_pilot_ids(actor))


def _document_rule(actor, qs, action):
    """A pilot's documents follow the pilot and their visibility; evidence on a corrective
    action is seen by whoever sees the action."""
    if action == EDIT:
        return qs.filter(pilot_id__in=_editable_pilot_ids(actor))
    facilitates = _facilitated(actor, VIEW, prefix="pilot__")
    is_the_supplier = Q(pilot__supplier__organisation_id__in=actor.supplier_org_ids)
    on_visible_pilot = Q(pilot_id__in=_visible_pilot_ids(actor)) & (
        Q(visibility="all_participants")
        | Q(visibility="facilitator_supplier") & (facilitates | is_the_supplier)
        | facilitates
        | Q(uploaded_for_id__in=actor.org_ids)
    )
    on_visible_action = Q(corrective_action_id__in=_visible_action_ids(actor))
    return qs.filter(on_visible_pilot | on_visible_action)


# --- audits: facilitators see every audit; a supplier its own; a customer those it
# commissioned or that the supplier shares with it (until withdrawn); an NGO or consultant
# the assessments it conducted.


def _visible_audit_ids(actor) -> QuerySet:
    from audits.models import Audit

    if actor.is_facilitator:
        return Audit.objects.values("pk")
    return Audit.objects.filter(
        Q(facility__supplier__organisation_id__in=actor.supplier_org_ids)
        | Q(commissioned_by_id__in=actor.customer_ids)
        | Q(shares__customer_id__in=actor.customer_ids, shares__withdrawn_at__isnull=True)
        | Q(conducted_by_id__in=actor.org_ids)
    ).values("pk")


def _visible_action_ids(actor) -> QuerySet:
    from audits.models import CorrectiveAction

    return CorrectiveAction.objects.filter(finding__audit_id__in=_visible_audit_ids(actor)).values(
        "pk"
    )


def _audit_rule(actor, qs, action):
    if action == EDIT:
        return qs if actor.is_facilitator_editor else qs.none()
    return qs.filter(pk__in=_visible_audit_ids(actor))


def _finding_rule(actor, qs, action):
    if action == EDIT:
        return qs if actor.is_facilitator_editor else qs.none()
    return qs.filter(audit_id__in=_visible_audit_ids(actor))


def _action_rule(actor, qs, action):
    """Suppliers keep their own corrective actions up to date; facilitators edit all."""
    if action == EDIT:
        if actor.is_facilitator_editor:
            return qs
        return qs.filter(
            finding__audit__facility__supplier__organisation_id__in=actor.orgs_of_kind(
                "supplier", writable=True
            )
        )
    return qs.filter(pk__in=_visible_action_ids(actor))


def _share_rule(actor, qs, action):
    """A supplier decides what it shares; the customer sees what is shared with it."""
    suppliers = actor.orgs_of_kind("supplier", writable=action == EDIT)
    own = Q(audit__facility__supplier__organisation_id__in=suppliers)
    if action == EDIT:
        return qs.filter(own)
    if actor.is_facilitator:
        return qs
    return qs.filter(own | Q(customer_id__in=actor.customer_ids))


def _reference_rule(actor, qs, action):
    """Standards and clauses: everyone reads them, facilitators maintain them."""
    if action == VIEW:
        return qs
    return qs if actor.is_facilitator_editor else qs.none()


def _review_rule(actor, qs, action):
    from django.contrib.contenttypes.models import ContentType

    from audits.models import CorrectiveAction
    from pilots.models import Document, Phase

    if action == EDIT:
        return qs.filter(reviewer_id__in=actor.writable_org_ids)
    subjects = Q(reviewer_id__in=actor.org_ids)
    for model in (Phase, Document, CorrectiveAction):
        visible = scope_for_actor(actor, model.objects.all()).values("pk")
        subjects |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=visible)
    return qs.filter(subjects)


def _rules():
    from audits import models as audits
    from csrplatform.reviews.models import Review
    from pilots import models as pilots
    from suppliers import models as directory

    return {
        audits.Standard: _reference_rule,
        audits.Clause: _reference_rule,
        audits.Audit: _audit_rule,
        audits.AuditShare: _share_rule,
        audits.Finding: _finding_rule,
        audits.CorrectiveAction: _action_rule,
        pilots.Programme: _programme_rule,
        pilots.Pilot: _pilot_rule,
        pilots.PilotParticipant: _pilot_part_rule,
        pilots.PilotStatusChange: _pilot_part_rule,
        pilots.Phase: _pilot_part_rule,
        pilots.Deliverable: _pilot_part_rule,
        pilots.Activity: _pilot_part_rule,
        pilots.ScopeChange: _pilot_part_rule,
        pilots.Document: _document_rule,
        pilots.Comment: _comment_rule,
        Review: _review_rule,
        directory.Organisation: _organisation_rule,
        directory.Supplier: _supplier_rule,
        directory.Facility: _facility_rule,
        directory.SupplyRelationship: _relationship_rule,
        directory.Cluster: _cluster_rule,
        directory.Certification: _certification_rule,
    }


_RULES = None


def _rule_for(model):
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    try:
        return _RULES[model]
    except KeyError as exc:
        raise LookupError(f"The access policy has no rule for {model.__name__}.") from exc


# --- the public interface ------------------------------------------------------------------------


def scope(user, queryset, action=VIEW) -> QuerySet:
    """`queryset` narrowed to the rows `user` may view (or edit)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    rule = _rule_for(queryset.model)
    actor = actor_for(user)
    if not actor.is_authenticated:
        return queryset.none()
    if actor.is_superuser:
        return queryset
    return rule(actor, queryset, action)


def scope_for_actor(actor: Actor, queryset, action=VIEW) -> QuerySet:
    """`scope` for an Actor already in hand (rules that build on other models' rules)."""
    if actor.is_superuser:
        return queryset
    return _rule_for(queryset.model)(actor, queryset, action)


def can_view(user, obj) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), VIEW).exists()


def can_edit(user, obj) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), EDIT).exists()


def can_create(user, model) -> bool:
    """Whether `user` may add new rows of `model` at all (dropdowns narrow the rest)."""
    from suppliers.models import Facility

    actor = actor_for(user)
    if actor.is_facilitator_editor:
        return True
    if model is Facility:
        return bool(actor.orgs_of_kind("supplier", writable=True))
    return False


def get_object_or_404(user, queryset, action=VIEW, **lookup):
    """The object if `user` may act on it; otherwise 404, whether it exists or not."""
    try:
        return scope(user, queryset, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(_("No such %(name)s.") % {"name": queryset.model._meta.verbose_name}) from exc


def scope_choice_fields(user, fields, action=VIEW):
    """Narrow every model-choice field (form fields, filters, serializer fields) to what
    `user` may see, so dropdowns and the browsable API never list hidden objects."""
    for form_field in fields:
        queryset = getattr(form_field, "queryset", None)
        if queryset is None:
            continue
        try:
            form_field.queryset = scope(user, queryset, action)
        except LookupError:
            continue


def acting_organisations(user, pilot) -> list:
    """The organisations `user` may speak for in `pilot`: writable memberships of active
    participants, of the pilot's supplier, or of the programme's facilitator."""
    from pilots.models import PilotParticipant

    actor = actor_for(user)
    participating = set(
        PilotParticipant.objects.filter(pilot=pilot, organisation_id__in=actor.writable_org_ids)
        .exclude(invitation_status="declined")
        .values_list("organisation_id", flat=True)
    )
    for org_id in (pilot.supplier.organisation_id, pilot.programme.facilitator_id):
        if org_id in actor.writable_org_ids:
            participating.add(org_id)
    return sorted(participating)


def visible_pks(user, model) -> frozenset:
    """The ids of `model` rows the user may see, read once per request (cached on the user
    object); for showing a related name only to those who may see it."""
    cache = user.__dict__.setdefault("_csr_visible_pks", {}) if user is not None else {}
    if model not in cache:
        cache[model] = frozenset(
            scope(user, model._default_manager.all()).values_list("pk", flat=True)
        )
    return cache[model]
