"""The base of every FilterSet: one class serves the HTML list and the API viewset, and its
related-object choices come from the requesting user's scope."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from csrplatform import access


@extend_schema_field(OpenApiTypes.INT)
class ObjectIdFilter(django_filters.ModelChoiceFilter):
    """An object chosen by id among those the user may see, filtered by a method of the
    FilterSet (so the schema cannot read its type from a model field)."""


class ScopedFilterSet(django_filters.FilterSet):
    #: model fields that the free-text `q` filter searches
    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        access.scope_choice_fields(user, self.filters.values())

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            condition = Q()
            for field_name in self.search_fields:
                condition |= Q(**{f"{field_name}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset
