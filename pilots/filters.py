"""FilterSets of programmes and pilots, shared by the HTML lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from csrplatform.filters import ScopedFilterSet
from csrplatform.widgets import Lookup, SearchSelect, register_lookup
from suppliers.filters import country_choices
from suppliers.models import Supplier

from .choices import Achievement, Approach, PilotStatus, PilotType
from .models import Document, Pilot, Programme

register_lookup(
    "pilots",
    Lookup(
        queryset=Pilot.objects.all,
        search_fields=("title", "supplier__organisation__name"),
        label=lambda pilot: pilot.title,
        order_by=("title", "pk"),
    ),
)


class PilotFilterSet(ScopedFilterSet):
    search_fields = ("title", "context", "objectives", "outcomes", "supplier__organisation__name")

    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), label=_("Programme")
    )
    pilot_type = django_filters.ChoiceFilter(choices=PilotType.choices, label=_("Type"))
    approach = django_filters.ChoiceFilter(choices=Approach.choices, label=_("Approach"))
    status = django_filters.MultipleChoiceFilter(choices=PilotStatus.choices, label=_("Status"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier"), widget=SearchSelect("suppliers")
    )
    country = django_filters.ChoiceFilter(
        field_name="supplier__organisation__country", choices=country_choices, label=_("Country")
    )
    objectives_achievement = django_filters.ChoiceFilter(
        choices=Achievement.choices, label=_("Achievement of objectives")
    )

    class Meta:
        model = Pilot
        fields = [
            "q",
            "programme",
            "pilot_type",
            "approach",
            "status",
            "supplier",
            "country",
            "objectives_achievement",
        ]


class ProgrammeFilterSet(ScopedFilterSet):
    search_fields = ("title", "sector", "region", "objectives")

    class Meta:
        model = Programme
        fields = ["q", "sector", "region"]


class PilotPartFilterSet(ScopedFilterSet):
    """Filter a pilot's phases, deliverables, activities... by pilot."""

    pilot = django_filters.ModelChoiceFilter(
        queryset=Pilot.objects.all(), label=_("Pilot"), widget=SearchSelect("pilots")
    )


class DocumentFilterSet(PilotPartFilterSet):
    search_fields = ("title", "original_name")

    class Meta:
        model = Document
        fields = ["q", "pilot", "phase", "deliverable", "kind", "visibility"]
