"""The access policy engine: the one place that decides who may see and change what.

Every page, API endpoint, export, filter choice, form dropdown, report and task starts from
`scope(user, queryset, action)`. An object outside the scope does not exist for that user: views
answer 404, never 403, so ids do not leak.

The engine knows no app. Each app declares the rules for its own models in its `rules.py` with
the `@rule(Model, ...)` decorator; `csrplatform.apps` imports every app's `rules` module when
Django starts. A model without a registered rule is refused by `scope()`, never shown to all.
`manage.py access_rules` prints the whole policy.

A rule may be widened, for viewing only, by grants: `@grant(Model)` lets another app's rules
name rows of `Model` that its own objects show (a pilot names its participants' organisations,
an audit its facility), so that whoever sees the pilot or the audit also sees what it names
without the model's own app knowing about pilots or audits.

Who someone is follows from their memberships: a member of a facilitator organisation is a
facilitator, of a customer a customer, and so on. Admin and editor members may write; viewers
only read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
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
    # Conditions built for this actor (a granted model's widened scope), reused for the rest of
    # the request: they are SQL, read when the query runs, never stale results.
    built: dict = field(default_factory=dict, compare=False, repr=False)

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


# --- the registry ------------------------------------------------------------------------------
# A rule takes (actor, queryset, action) and returns the queryset narrowed to what the actor may
# do. Superusers pass through before the rules run.

ScopeRule = Callable[[Actor, QuerySet, str], QuerySet]
CreateRule = Callable[[Actor], bool]


class NoAccessRule(LookupError):
    """Raised for a model that no app has given a rule: refused, never shown to everyone."""


@dataclass(frozen=True)
class RegisteredRule:
    model: type[models.Model]
    scope: ScopeRule
    # Who may add rows besides facilitator editors (who may add anything).
    can_create: CreateRule | None = None

    @property
    def where(self) -> str:
        return f"{self.scope.__module__}.{self.scope.__qualname__}"


_REGISTRY: dict[type[models.Model], RegisteredRule] = {}

# A grant takes an actor and returns the ids (a `values("pk")` queryset) of rows it may view
# besides those its model's rule allows. Grants widen viewing only, never editing.
GrantRule = Callable[[Actor], QuerySet]


@dataclass(frozen=True)
class RegisteredGrant:
    model: type[models.Model]
    ids: GrantRule

    @property
    def where(self) -> str:
        return f"{self.ids.__module__}.{self.ids.__qualname__}"


_GRANTS: dict[type[models.Model], list[RegisteredGrant]] = {}


def rule(*model_classes, create: CreateRule | None = None):
    """Register the decorated function as the rule that scopes `model_classes`."""
    if not model_classes:
        raise ImproperlyConfigured("@access.rule needs at least one model.")

    def register(func: ScopeRule) -> ScopeRule:
        for model in model_classes:
            existing = _REGISTRY.get(model)
            if existing is not None and existing.scope is not func:
                raise ImproperlyConfigured(
                    f"{model.__name__} already has the access rule {existing.where}; "
                    f"{func.__module__}.{func.__qualname__} cannot replace it."
                )
            _REGISTRY[model] = RegisteredRule(model=model, scope=func, can_create=create)
        return func

    return register


def grant(*model_classes):
    """Register the decorated function, `func(actor) -> ids`, as a grant: the actor may also
    view the `model_classes` rows whose ids it returns. This is how one app's rules let people
    see rows of another app's model that its own objects name; the model's rule stays its own
    app's, and `manage.py access_rules` prints the grants beside it."""
    if not model_classes:
        raise ImproperlyConfigured("@access.grant needs at least one model.")

    def register(func: GrantRule) -> GrantRule:
        for model in model_classes:
            grants = _GRANTS.setdefault(model, [])
            if all(entry.ids is not func for entry in grants):
                grants.append(RegisteredGrant(model=model, ids=func))
        return func

    return register


def grants_for(model) -> list[RegisteredGrant]:
    """The grants that widen what `model`'s rule lets people view, in registration order."""
    return list(_GRANTS.get(model, ()))


def registered_rules() -> list[RegisteredRule]:
    """Every registered rule, by app and model name."""
    return sorted(
        _REGISTRY.values(), key=lambda entry: (entry.model._meta.app_label, entry.model.__name__)
    )


def rule_for(model) -> RegisteredRule:
    try:
        return _REGISTRY[model]
    except KeyError as exc:
        raise NoAccessRule(
            f"The access policy has no rule for {model._meta.label}: declare one with "
            f"@access.rule({model.__name__}) in {model._meta.app_label}/rules.py."
        ) from exc


# --- the public interface ------------------------------------------------------------------------


def _apply(actor: Actor, registered: RegisteredRule, queryset, action, grants: bool) -> QuerySet:
    """The model's rule, widened (for viewing) by the grants other apps registered."""
    extra = grants_for(queryset.model) if grants and action == VIEW else []
    if not extra:
        return registered.scope(actor, queryset, action)
    model = queryset.model
    allowed = actor.built.get(("granted", model))
    if allowed is None:
        base = model._default_manager.all()
        allowed = Q(pk__in=registered.scope(actor, base, VIEW).values("pk"))
        for entry in extra:
            allowed |= Q(pk__in=entry.ids(actor))
        actor.built[("granted", model)] = allowed
    return queryset.filter(allowed)


def scope(user, queryset, action=VIEW, *, grants=True) -> QuerySet:
    """`queryset` narrowed to the rows `user` may view (or edit). With `grants=False`, only
    what the model's own rule allows (not what other apps' grants add)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    registered = rule_for(queryset.model)
    actor = actor_for(user)
    if not actor.is_authenticated:
        return queryset.none()
    if actor.is_superuser:
        return queryset
    return _apply(actor, registered, queryset, action, grants)


def scope_for_actor(actor: Actor, queryset, action=VIEW, *, grants=True) -> QuerySet:
    """`scope` for an Actor already in hand (rules that build on other models' rules)."""
    registered = rule_for(queryset.model)
    if actor.is_superuser:
        return queryset
    return _apply(actor, registered, queryset, action, grants)


def visible_ids(actor: Actor, model, *, grants=True) -> QuerySet:
    """The ids of `model` rows the actor may see, as a subquery for another rule (with
    `grants=False`, by the model's own rule only)."""
    return scope_for_actor(actor, model._default_manager.all(), grants=grants).values("pk")


def can_view(user, obj) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), VIEW).exists()


def can_edit(user, obj) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), EDIT).exists()


def can_create(user, model) -> bool:
    """Whether `user` may add new rows of `model` at all (dropdowns narrow the rest)."""
    registered = rule_for(model)
    actor = actor_for(user)
    if actor.is_facilitator_editor:
        return True
    return bool(registered.can_create and registered.can_create(actor))


def get_or_404(scoped_queryset, **lookup):
    """The one object of an already scoped queryset; otherwise 404 with the same words whether
    it is hidden, missing or named by a malformed id ("abc" for a number)."""
    try:
        return scoped_queryset.get(**lookup)
    except (scoped_queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        name = scoped_queryset.model._meta.verbose_name
        raise Http404(_("No such %(name)s.") % {"name": name}) from exc


def get_object_or_404(user, queryset, action=VIEW, **lookup):
    """The object if `user` may act on it; otherwise 404, whether it exists or not."""
    return get_or_404(scope(user, queryset, action), **lookup)


class ScopedLater:
    """`scope(user, queryset, action)`, built when first used. A list's filters and a
    serializer's writable fields offer choices that most requests never read (no value sent,
    no form drawn), and building a scope costs as much as the rest of a page's Python."""

    def __init__(self, user, queryset, action):
        rule_for(queryset.model)  # a model without a rule is refused now, not when used
        self.model = queryset.model
        self._unscoped = queryset
        self._user = user
        self._action = action
        self._scoped = None

    @property
    def scoped(self) -> QuerySet:
        if self._scoped is None:
            self._scoped = scope(self._user, self._unscoped, self._action)
        return self._scoped

    def none(self) -> QuerySet:
        # An empty answer (a multiple choice left empty) needs no scope.
        return self._unscoped.none()

    def __getattr__(self, name):
        return getattr(self.scoped, name)

    def __iter__(self):
        return iter(self.scoped)

    def __len__(self):
        return len(self.scoped)

    def __bool__(self):
        return bool(self.scoped)

    def __getitem__(self, key):
        return self.scoped[key]


def scope_choice_fields(user, fields, action=VIEW):
    """Narrow every model-choice field (form fields, serializer fields) to what `user` may
    see, so dropdowns and the browsable API never list hidden objects and a hidden id is not
    a valid choice. The scope is built when the field first reads its choices."""
    for choice_field in fields:
        queryset = getattr(choice_field, "queryset", None)
        if queryset is None:
            continue
        if isinstance(queryset, ScopedLater):
            queryset = queryset._unscoped
        later = ScopedLater(user, queryset, action)
        if isinstance(choice_field, forms.ModelChoiceField):
            # Not through the setter, which would copy (and so build) the queryset at once.
            choice_field._queryset = later
            choice_field.widget.choices = choice_field.choices
        else:
            choice_field.queryset = later


def visible_among(user, model, ids) -> set:
    """Which of `ids` (a page's related rows) the user may see: one query over those ids
    only, not over every row the user may see."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return set()
    rows = scope(user, model._default_manager.filter(pk__in=ids))
    return set(rows.values_list("pk", flat=True))


def visible_pks(user, model, *, grants=True) -> frozenset:
    """The ids of `model` rows the user may see, read once per request (cached on the user
    object); for showing a related name only to those who may see it. With `grants=False`,
    only those the model's own rule allows."""
    cache = user.__dict__.setdefault("_csr_visible_pks", {}) if user is not None else {}
    key = model if grants else (model, "own rule")
    if key not in cache:
        cache[key] = frozenset(
            scope(user, model._default_manager.all(), grants=grants).values_list("pk", flat=True)
        )
    return cache[key]


class ScopedQuerySet(models.QuerySet):
    """The base of every app's querysets: `visible_to` and `editable_by` go through the
    one policy."""

    def visible_to(self, user):
        return scope(user, self, VIEW)

    def editable_by(self, user):
        return scope(user, self, EDIT)
