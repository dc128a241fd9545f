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


def forget_actor(user):
    """Drop the cached Actor after the user's memberships changed."""
    user.__dict__.pop("_csr_actor", None)


# --- rules per model ---------------------------------------------------------------------------
# Each rule takes (actor, queryset, action) and returns the queryset narrowed to what the actor
# may do. Facilitators and superusers pass through before the rules run.


def _visible_supplier_ids(actor) -> QuerySet:
    from suppliers.models import Supplier

    return Supplier.objects.filter(
        Q(organisation_id__in=actor.supplier_org_ids)
        | Q(customer_relationships__customer_id__in=actor.customer_ids)
    ).values("pk")


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


def _supplier_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(organisation_id__in=actor.orgs_of_kind("supplier", writable=True))
    return qs.filter(pk__in=_visible_supplier_ids(actor))


def _facility_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(
            supplier__organisation_id__in=actor.orgs_of_kind("supplier", writable=True)
        )
    return qs.filter(supplier_id__in=_visible_supplier_ids(actor))


def _relationship_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(
        Q(customer_id__in=actor.customer_ids)
        | Q(supplier__organisation_id__in=actor.supplier_org_ids)
    )


def _cluster_rule(actor, qs, action):
    if action == EDIT:
        return qs.none()
    return qs.filter(suppliers__in=_visible_supplier_ids(actor)).distinct()


def _certification_rule(actor, qs, action):
    return qs if action == VIEW else qs.none()


def _rules():
    from suppliers import models as directory

    return {
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
    if actor.is_facilitator:
        if action == VIEW or actor.is_facilitator_editor:
            return queryset
        return queryset.none()
    return rule(actor, queryset, action)


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
