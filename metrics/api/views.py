"""The metrics API: currencies and rates, costs and benefits, indicators and KPI figures, and
the figures computed from them per pilot and per programme (read-only tokens suffice to read).

Every row comes through the access policy (outside it: 404, the same for a missing one);
writes call `metrics.services` (one error mapping: `csrplatform.api.run_service`). The lists
of observations, cost items and benefits also stream as CSV (`export/`), filtered the same
way. Observations page by cursor, fast however deep and stable while rows are added.
"""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from csrplatform import access
from csrplatform.api import ScopedModelViewSet, ServiceDecidesCreateMixin
from pilots.models import Pilot, Programme

from .. import exports, figures, money, services
from ..filters import (
    BenefitFilterSet,
    CostItemFilterSet,
    ExchangeRateFilterSet,
    ObservationFilterSet,
)
from ..models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    Indicator,
    Judgement,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)
from . import serializers


class CsvNegotiation(BaseContentNegotiation):
    """The export streams CSV whatever the client accepts; its errors answer JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(
        response=OpenApiTypes.STR,
        description="The rows of the list, filtered as the list is, as a streamed CSV file "
        "(UTF-8 with a byte-order mark).",
    )
}


class CsvExportMixin:
    """`export/`: the list's rows, scoped and filtered as the list, streamed as CSV."""

    csv_filename = "export.csv"
    csv_header: tuple = ()

    def export_response(self):
        queryset = self.filter_queryset(self.get_queryset())
        return exports.api_csv(self.request.user, queryset, self.csv_filename, self.csv_header)


def csv_export_action(operation_id: str, rows: str):
    """The `export/` action of a CsvExportMixin view set, named `operation_id` in the schema;
    `rows` names what the list holds (its description)."""

    def export(self, request):
        return self.export_response()

    export.__doc__ = f"The {rows} of the list (same filters) as a streamed CSV file."
    export = action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        renderer_classes=[JSONRenderer],
        content_negotiation_class=CsvNegotiation,
    )(export)
    return extend_schema(responses=CSV_RESPONSE, operation_id=operation_id, filters=True)(export)


MONEY_HEADER = ("amount", "currency", "usd", "rate", "rate_date", "rate_pinned", "usd_error")


# --- money ---------------------------------------------------------------------------------------


class CurrencyViewSet(ScopedModelViewSet):
    """Currencies (ISO 4217); everyone reads them, facilitators add them."""

    queryset = Currency.objects.all()
    serializer_class = serializers.CurrencySerializer
    filterset_fields = ["code"]


class ExchangeRateViewSet(ScopedModelViewSet):
    """Dated rates (US dollars per unit) that facilitators enter for their programmes."""

    queryset = ExchangeRate.objects.all()
    serializer_class = serializers.ExchangeRateSerializer
    filterset_class = ExchangeRateFilterSet


class CostItemViewSet(CsvExportMixin, ScopedModelViewSet):
    """Costs of pilots and of whole programmes, in their currency and in US dollars;
    facilitators record them."""

    queryset = CostItem.objects.all()
    serializer_class = serializers.CostItemSerializer
    filterset_class = CostItemFilterSet
    csv_filename = "cost-items.csv"
    csv_header = (
        "id",
        "programme",
        "pilot",
        "phase",
        "borne_by",
        "nature",
        "category",
        "description",
        "quantities",
        *MONEY_HEADER,
        "stated_usd",
        "certainty",
        "person_days",
        "fte_low",
        "fte_high",
        "source",
        "excluded_reason",
    )

    export = csv_export_action("cost_items_export", "cost items")


class BenefitViewSet(CsvExportMixin, ScopedModelViewSet):
    """Benefits expected from, or received through, pilots; facilitators record them."""

    queryset = Benefit.objects.all()
    serializer_class = serializers.BenefitSerializer
    filterset_class = BenefitFilterSet
    csv_filename = "benefits.csv"
    csv_header = (
        "id",
        "programme",
        "pilot",
        "phase",
        "status",
        "incentive",
        "description",
        *MONEY_HEADER,
        "per",
    )

    export = csv_export_action("benefits_export", "benefits")


class StatedFigureViewSet(ScopedModelViewSet):
    """Figures as sources state them, kept beside those the platform computes."""

    queryset = StatedFigure.objects.all()
    serializer_class = serializers.StatedFigureSerializer
    filterset_fields = ["programme", "pilot", "kind"]


# --- KPIs ----------------------------------------------------------------------------------------


class IndicatorViewSet(ScopedModelViewSet):
    """KPIs: measured directly, or rates computed from two counts; everyone reads them,
    facilitators maintain them."""

    queryset = Indicator.objects.all()
    serializer_class = serializers.IndicatorSerializer
    filterset_fields = ["kind", "better"]


class PilotIndicatorViewSet(ScopedModelViewSet):
    """The indicators each pilot tracks, with its target change and unit cost."""

    queryset = PilotIndicator.objects.all()
    serializer_class = serializers.PilotIndicatorSerializer
    filterset_fields = ["pilot", "indicator"]


class ObservationViewSet(CsvExportMixin, ServiceDecidesCreateMixin, ScopedModelViewSet):
    """KPI figures, newest period first, paged by cursor.

    Suppliers enter their own (they wait for confirmation), facilitators theirs (confirmed);
    the pilot's civil-society partner, or the facilitator, confirms or returns a supplier's
    figure."""

    queryset = Observation.objects.all()
    serializer_class = serializers.ObservationSerializer
    filterset_class = ObservationFilterSet
    cursor_ordering = ("-period_end", "-id")
    participant_actions = frozenset({"confirm", "return_"})
    csv_filename = "observations.csv"
    csv_header = (
        "id",
        "indicator",
        "indicator_name",
        "supplier",
        "supplier_name",
        "facility",
        "pilot",
        *services.OBSERVATION_FIGURE_FIELDS,
        "status",
        "note",
    )

    export = csv_export_action("observations_export", "observations")

    def _review(self, service, input_serializer):
        observation = self.get_object()
        data = self.action_input(input_serializer)
        observation = self.run_service(service, observation=observation, **data)
        return self.as_response(self.as_listed(observation))

    @extend_schema(
        request=serializers.ConfirmSerializer, responses=serializers.ObservationSerializer
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm a supplier's figure (the pilot's partner, or the facilitator); 409 when it
        is not waiting for confirmation."""
        return self._review(services.observation_confirm, serializers.ConfirmSerializer)

    @extend_schema(
        request=serializers.ReturnSerializer, responses=serializers.ObservationSerializer
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Send a supplier's figure back, saying why; the supplier corrects it."""
        return self._review(services.observation_return, serializers.ReturnSerializer)


# --- results framework ---------------------------------------------------------------------------


class ResultItemViewSet(ScopedModelViewSet):
    """Outcomes and outputs of programmes' results frameworks; facilitators record them."""

    queryset = ResultItem.objects.all()
    serializer_class = serializers.ResultItemSerializer
    filterset_fields = ["programme", "parent", "level"]


class ResultIndicatorViewSet(ScopedModelViewSet):
    """Indicators of outcomes and outputs, with baseline, target and actual."""

    queryset = ResultIndicator.objects.all()
    serializer_class = serializers.ResultIndicatorSerializer
    filterset_fields = ["result_item", "result_item__programme"]


class ProgressReportViewSet(ScopedModelViewSet):
    """Progress reports of programmes, at dates."""

    queryset = ProgressReport.objects.all()
    serializer_class = serializers.ProgressReportSerializer
    filterset_fields = ["programme"]


class JudgementFilterSet(django_filters.FilterSet):
    """Filters named as the answer names its fields (`result_indicator`)."""

    result_indicator = django_filters.NumberFilter(field_name="indicator")

    class Meta:
        model = Judgement
        fields = ["progress_report", "rating"]


class JudgementViewSet(ScopedModelViewSet):
    """How far each progress report judged each results indicator met, why and when."""

    queryset = Judgement.objects.all()
    serializer_class = serializers.JudgementSerializer
    filterset_class = JudgementFilterSet


# --- computed figures ----------------------------------------------------------------------------


class FiguresViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Read-only computed figures of the rows the caller may see; the list names what has
    figures, each with the URL of its figures."""

    filter_backends = []

    def get_queryset(self):
        return access.scope(self.request.user, self.queryset.all()).only("pk", "title")

    def get_object(self):
        return access.get_or_404(self.get_queryset_for_figures(), pk=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().order_by("pk"))
        rows = [
            {
                "id": row.pk,
                "title": row.title,
                "url": request.build_absolute_uri(
                    reverse(f"api:{self.basename}-detail", args=[row.pk])
                ),
            }
            for row in page
        ]
        return self.get_paginated_response(serializers.FiguresLinkSerializer(rows, many=True).data)


class PilotFiguresViewSet(FiguresViewSet):
    """A pilot's KPI table (baseline, latest, target, change, projected savings) and its
    costs and benefits in original currencies and US dollars."""

    queryset = Pilot.objects.all()
    serializer_class = serializers.FiguresLinkSerializer

    def get_queryset_for_figures(self):
        return access.scope(self.request.user, Pilot.objects.select_related("programme"))

    @extend_schema(responses=serializers.PilotFiguresSerializer)
    def retrieve(self, request, pk=None):
        """The figures of one pilot, computed from what the caller may see."""
        pilot = self.get_object()
        facilitator_id = pilot.programme.facilitator_id
        rates = money.RateTable([facilitator_id])
        kpis = figures.pilot_kpis(request.user, pilot, rates=rates)
        cost_benefit = figures.pilot_cost_benefit(request.user, pilot)
        data = {
            "pilot": pilot.pk,
            "title": pilot.title,
            "programme": pilot.programme_id,
            "kpis": kpis,
            "cost_benefit": _cost_benefit(cost_benefit),
        }
        return Response(serializers.PilotFiguresSerializer(data).data)


def _benefit_line(benefit, converted):
    if converted is not None:
        view = serializers.from_converted(converted)
    elif benefit.amount is not None:
        view = serializers.MoneyView(
            benefit.amount,
            benefit.currency_id,
            usd_error=_("There is no exchange rate for %(currency)s on or before %(date)s.")
            % {"currency": benefit.currency_id, "date": benefit.on_date.isoformat()},
        )
    else:
        view = None
    return {
        "id": benefit.pk,
        "incentive": benefit.incentive,
        "description": benefit.description,
        "per": benefit.per,
        "money": view,
    }


def _cost_benefit(result: figures.CostBenefit) -> dict:
    total = result.total
    stated = result.stated_total or figures.Compared(total.usd if total else None)
    return {
        "hard": result.hard,
        "soft": result.soft,
        "totals_by_currency": [
            {"currency": currency, "amount": amount}
            for currency, amount in sorted((total.by_currency if total else {}).items())
        ],
        "total_usd": stated,
        "rates_used": [
            {
                "currency": currency,
                "rate": rate.usd,
                "rate_date": rate.valid_from,
                "rate_pinned": rate.pinned,
                "description": rate.describe(currency),
            }
            for currency, rate in result.rates
        ],
        "missing_rates": result.missing_rates,
        "expected_benefits": [_benefit_line(b, c) for b, c in result.expected],
        "received_benefits": [_benefit_line(b, c) for b, c in result.received],
    }


class ProgrammeFiguresViewSet(FiguresViewSet):
    """A programme's tables: resource analysis, stakeholder participation, cost per
    supplier and per worker reached, by pilot and by approach, and the share of results
    indicators met per progress report beside the stated share."""

    queryset = Programme.objects.all()
    serializer_class = serializers.FiguresLinkSerializer

    def get_queryset_for_figures(self):
        return access.scope(self.request.user, Programme.objects.all())

    @extend_schema(responses=serializers.ProgrammeFiguresSerializer)
    def retrieve(self, request, pk=None):
        """The tables of one programme, computed from what the caller may see."""
        programme = self.get_object()
        data = {
            "programme": programme.pk,
            "title": programme.title,
            "resource_analysis": figures.resource_analysis(request.user, programme),
            "stakeholder_participation": figures.stakeholder_participation(request.user, programme),
            "cost_per_reach": figures.cost_per_reach(request.user, programme),
            "results": figures.results_framework(request.user, programme),
        }
        return Response(serializers.ProgrammeFiguresSerializer(data).data)
