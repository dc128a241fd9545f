"""Shared API plumbing: scoped serializers and the scoped viewset base."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

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
