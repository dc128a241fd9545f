"""Shared API plumbing: scoped serializers and the scoped viewset base."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from csrplatform import access


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


class ScopedModelViewSet(viewsets.ModelViewSet):
    """A viewset whose every row comes through the access policy.

    Reads use the view scope, writes the edit scope; an object outside the scope is a 404
    (also for a write to something the user may only read), so ids never leak.
    Subclasses set `queryset`, `serializer_class`, `filterset_class` and may name services in
    `perform_create` / `perform_update`.
    """

    # Directory rows are not deleted through the API: history and links hang on them.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        action = access.VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else access.EDIT
        queryset = super().get_queryset()
        if hasattr(queryset, "with_list_related"):
            queryset = queryset.with_list_related()
        return access.scope(self.request.user, queryset, action)

    def create(self, request, *args, **kwargs):
        if not access.can_create(request.user, self.queryset.model):
            self.permission_denied(request, message=_("You may not add records of this kind."))
        return super().create(request, *args, **kwargs)
