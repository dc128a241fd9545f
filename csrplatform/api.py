"""Shared API plumbing: scoped serializers and the scoped viewset base."""

from typing import NamedTuple

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from csrplatform import access
from csrplatform.errors import Conflict


class ConflictResponse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record changed meanwhile, or the workflow does not allow this.")
    default_code = "conflict"


def _as_drf_detail(exc: ValidationError):
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
        for name, messages in exc.message_dict.items()
    }


def _first_message(errors) -> str:
    """The first message in DRF's nested error structure."""
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, list):
        for value in errors:
            if message := _first_message(value):
                return message
        return ""
    return str(errors)


def api_exception_handler(exc, context):
    """Every error the API answers, in one shape (`csrplatform.schema.ErrorSerializer`):
    `detail` (a sentence), `code` (stable, for machines) and `errors` (per field, for invalid
    input)."""
    # As DRF's own handler does, so that the code below reads the same for Django's errors.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields or files, or a body over Django's limits, read inside the view.
        exc = exceptions.ParseError(_("The request is malformed or too large."), "bad_request")
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}
        first = _first_message(errors)
        field = next(iter(errors), None)
        if field and field != api_settings.NON_FIELD_ERRORS_KEY and first:
            detail = _("%(field)s: %(message)s") % {"field": field, "message": first}
        else:
            detail = first or _("The input is not valid.")
        response.data = {"detail": str(detail), "code": "invalid", "errors": errors}
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    response.data = {
        "detail": _first_message(data),
        "code": codes if isinstance(codes, str) else "error",
        "errors": {},
    }
    return response


def run_service(service, *, actor, **kwargs):
    """Call a service and answer its refusals the API way, in one transaction.

    A `Conflict` (a move the workflow forbids, an edit based on an old version) is a 409: the
    request was fine, the record's state is not. Any other ValidationError is a 400, and a
    PermissionDenied on something the user can see a 403 with the service's reason.
    Serializers and viewsets of every app call this, so no view repeats the try/except.
    """
    try:
        with transaction.atomic():
            return service(actor=actor, **kwargs)
    except Conflict as exc:
        raise ConflictResponse(" ".join(exc.messages)) from exc
    except ValidationError as exc:
        raise serializers.ValidationError(_as_drf_detail(exc)) from exc
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


class ServiceSerializerMixin:
    """Saves go through a service, which checks the policy and full_clean()s."""

    def run_service(self, service, **kwargs):
        return run_service(service, actor=self.context["request"].user, **kwargs)


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related-object fields accept, and the browsable API lists, only what the user may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        related = []
        for field in self.fields.values():
            if isinstance(field, serializers.ManyRelatedField):
                related.append(field.child_relation)
            elif isinstance(field, serializers.RelatedField) and not field.read_only:
                related.append(field)
        access.scope_choice_fields(request.user, related)


class Named(NamedTuple):
    """A related row an answer names: its model, where the instance holds its id (a dotted
    path), and the fields of the answer that name it (id first), null when hidden."""

    model: type
    source: str
    fields: tuple[str, ...]


class Visibility:
    """Which related rows named in answers the caller may see, asked with
    `access.visible_among` for the ids of a whole page at once (`learn`), else for the one id
    an answer names (a single object). Kept in the serializer context, so for one request."""

    def __init__(self, user):
        self.user = user
        self.known: dict[type, dict] = {}

    def learn(self, model, ids) -> None:
        known = self.known.setdefault(model, {})
        new = {pk for pk in ids if pk is not None and pk not in known}
        if new:
            visible = access.visible_among(self.user, model, new)
            known.update((pk, pk in visible) for pk in new)

    def sees(self, model, pk) -> bool:
        if pk not in self.known.get(model, {}):
            self.learn(model, [pk])
        return self.known[model][pk]


def _follow(instance, path: str):
    for name in path.split("."):
        instance = getattr(instance, name)
        if instance is None:
            return None
    return instance


class PageVisibilityListSerializer(serializers.ListSerializer):
    """A list whose rows name related rows: asks which the caller may see once for the
    whole page (one query per related model), before the rows are answered."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        visibility = self.child.visibility()
        if visibility is not None:
            ids: dict[type, set] = {}
            for row in rows:
                for model, pk, _fields in self.child.named_rows(row):
                    ids.setdefault(model, set()).add(pk)
            for model, pks in ids.items():
                visibility.learn(model, pks)
        return super().to_representation(rows)


class HidesUnseenRelated:
    """A serializer whose answer names related rows (`named`) the caller might not see: a
    pilot's partner sees the pilot's figures and sites, not necessarily the facilities in the
    directory; a customer an audit is shared with, not who else commissioned it. Those the
    caller may not see are answered with their id and name fields null."""

    named: tuple[Named, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = getattr(cls, "Meta", None)
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = PageVisibilityListSerializer

    def named_rows(self, instance):
        """(model, id, fields) of each related row the answer for `instance` names, nested
        answers included (a corrective action's evidence names its uploaders), so that a page
        asks once per related model however deep the names are."""
        for named in self.named:
            pk = _follow(instance, named.source)
            if pk is not None:
                yield named.model, pk, named.fields
        for field in self.fields.values():
            many = isinstance(field, serializers.ListSerializer)
            nested = field.child if many else field
            if not isinstance(nested, HidesUnseenRelated) or field.write_only:
                continue
            value = field.get_attribute(instance)
            if value is None:
                continue
            if many:
                value = value.all() if isinstance(value, models.manager.BaseManager) else value
                for row in value:
                    yield from nested.named_rows(row)
            else:
                yield from nested.named_rows(value)

    def visibility(self):
        request = self.context.get("request")
        if request is None:
            return None
        return self.context.setdefault("visibility", Visibility(request.user))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visibility = self.visibility()
        if visibility is None:
            return data
        for model, pk, fields in self.named_rows(instance):
            if not visibility.sees(model, pk):
                for name in fields:
                    if name in data:
                        data[name] = None
        return data


# For endpoints where rows are added but never changed or deleted (documents, comments).
READ_AND_ADD = ["get", "post", "head", "options"]


class ScopedModelViewSet(viewsets.ModelViewSet):
    """A viewset whose every row comes through the access policy.

    Reads use the view scope, writes the edit scope; an object outside the scope is a 404
    (also for a write to something the user may only read), so ids never leak. Writes go
    through services (`run_service`: one error mapping), and answers show a row the way the
    list shows it.
    """

    # Directory rows are not deleted through the API: history and links hang on them.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    #: Actions that others than editors take (agree, respond, reply, submit, verify...). Their
    #: object comes from the view scope and the service decides whether this user may act, so
    #: a refusal is a 403 with the service's reason rather than a 404.
    participant_actions: frozenset[str] = frozenset()
    #: The order of the list, and of its cursor (`csrplatform.pagination`); it ends in the id.
    #: Ascending id: stable, and new rows come last, so a sync resumes from its last cursor.
    cursor_ordering: tuple[str, ...] = ("pk",)

    def _listed_queryset(self):
        queryset = self.queryset.all()
        if hasattr(queryset, "with_list_related"):
            queryset = queryset.with_list_related()
        return queryset

    def get_queryset(self):
        if self.action in self.participant_actions or self.request.method in (
            "GET",
            "HEAD",
            "OPTIONS",
        ):
            return access.scope(self.request.user, self._listed_queryset(), access.VIEW)
        return access.scope(self.request.user, self._listed_queryset(), access.EDIT)

    def get_object(self):
        """The object of a detail route, through `access.get_or_404`: a hidden, a missing and
        a malformed id get the same 404."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        instance = access.get_or_404(
            self.filter_queryset(self.get_queryset()),
            **{self.lookup_field: self.kwargs[lookup_url_kwarg]},
        )
        self.check_object_permissions(self.request, instance)
        return instance

    def update(self, request, *args, **kwargs):
        """As DRF's, but the answer is the whole object as the list shows it, also after a
        PATCH (DRF's partial serializer would leave out fields whose value is a default)."""
        serializer = self.get_serializer(
            self.get_object(), data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self.as_response(serializer.instance)

    def create(self, request, *args, **kwargs):
        if not access.can_create(request.user, self.queryset.model):
            self.permission_denied(request, message=_("You may not add records of this kind."))
        return super().create(request, *args, **kwargs)

    def run_service(self, service, **kwargs):
        return run_service(service, actor=self.request.user, **kwargs)

    def action_input(self, serializer_class) -> dict:
        """The validated body of an action endpoint (400 when invalid)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def as_listed(self, instance):
        """`instance` re-read as the list shows it (annotations, related rows), from the view
        scope; as it is if the write took it out of the user's sight."""
        visible = access.scope(self.request.user, self._listed_queryset())
        return visible.filter(pk=instance.pk).first() or instance

    def as_response(self, instance, serializer_class=None, status_code=status.HTTP_200_OK):
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def perform_create(self, serializer):
        serializer.save()
        serializer.instance = self.as_listed(serializer.instance)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.as_listed(serializer.instance)


class ServiceDecidesCreateMixin:
    """Others than facilitators add these (comments, documents, corrective actions): the
    service decides who may, so the facilitator-only `access.can_create` gate does not apply."""

    def create(self, request, *args, **kwargs):
        return mixins.CreateModelMixin.create(self, request, *args, **kwargs)
