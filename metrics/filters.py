"""FilterSets of costs, benefits, rates and KPI figures, shared by the pages and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from csrplatform.filters import ScopedFilterSet
from csrplatform.widgets import SearchSelect
from pilots.models import Pilot, Programme
from suppliers.models import Facility, Supplier

from .choices import (
    BenefitStatus,
    Certainty,
    CostCategory,
    CostNature,
    ObservationKind,
    ObservationSource,
    ObservationStatus,
)
from .models import Benefit, CostItem, ExchangeRate, Indicator, Observation

DATE = {"type": "date"}


def _programme_and_pilot():
    return {
        "programme": django_filters.ModelChoiceFilter(
            queryset=Programme.objects.all(), label=_("Programme")
        ),
        "pilot": django_filters.ModelChoiceFilter(
            queryset=Pilot.objects.all(), label=_("Pilot"), widget=SearchSelect("pilots")
        ),
    }


class ObservationFilterSet(ScopedFilterSet):
    search_fields = ("note", "indicator__name", "supplier__organisation__name")

    indicator = django_filters.ModelChoiceFilter(
        queryset=Indicator.objects.all(), label=_("Indicator")
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier"), widget=SearchSelect("suppliers")
    )
    facility = django_filters.ModelChoiceFilter(
        queryset=Facility.objects.all(), label=_("Facility"), widget=SearchSelect("facilities")
    )
    pilot = _programme_and_pilot()["pilot"]
    programme = django_filters.ModelChoiceFilter(
        field_name="pilot__programme", queryset=Programme.objects.all(), label=_("Programme")
    )
    kind = django_filters.ChoiceFilter(choices=ObservationKind.choices, label=_("Kind"))
    source = django_filters.ChoiceFilter(choices=ObservationSource.choices, label=_("Source"))
    status = django_filters.ChoiceFilter(choices=ObservationStatus.choices, label=_("Status"))
    period_from = django_filters.DateFilter(
        field_name="period_end",
        lookup_expr="gte",
        label=_("Period ends on or after"),
        widget=forms.DateInput(attrs=DATE),
    )
    period_to = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        label=_("Period starts on or before"),
        widget=forms.DateInput(attrs=DATE),
    )

    class Meta:
        model = Observation
        fields = [
            "q",
            "indicator",
            "supplier",
            "facility",
            "pilot",
            "programme",
            "kind",
            "source",
            "status",
            "period_from",
            "period_to",
        ]


class CostItemFilterSet(ScopedFilterSet):
    search_fields = ("description", "source", "borne_by__name")

    programme = _programme_and_pilot()["programme"]
    pilot = _programme_and_pilot()["pilot"]
    nature = django_filters.ChoiceFilter(choices=CostNature.choices, label=_("Hard or soft"))
    category = django_filters.ChoiceFilter(choices=CostCategory.choices, label=_("Category"))
    certainty = django_filters.ChoiceFilter(
        choices=Certainty.choices, label=_("Estimated or actual")
    )
    programme_level = django_filters.BooleanFilter(
        field_name="pilot", lookup_expr="isnull", label=_("Of the whole programme")
    )

    class Meta:
        model = CostItem
        fields = [
            "q",
            "programme",
            "pilot",
            "nature",
            "category",
            "certainty",
            "programme_level",
        ]


class BenefitFilterSet(ScopedFilterSet):
    search_fields = ("description",)

    programme = _programme_and_pilot()["programme"]
    pilot = _programme_and_pilot()["pilot"]
    status = django_filters.ChoiceFilter(
        choices=BenefitStatus.choices, label=_("Expected or received")
    )

    class Meta:
        model = Benefit
        fields = ["q", "programme", "pilot", "status", "incentive"]


class ExchangeRateFilterSet(ScopedFilterSet):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "organisation"]
