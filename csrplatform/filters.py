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

    @property
    def form(self):
        # The form's choice fields, not the filters: a filter hands its queryset to the form
        # field, which would copy and so build the scope at once (`access.ScopedLater`).
        if not hasattr(self, "_form"):
            form = super().form
            access.scope_choice_fields(getattr(self.request, "user", None), form.fields.values())
        return self._form

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            condition = Q()
            for field_name in self.search_fields:
                condition |= Q(**{f"{field_name}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset
