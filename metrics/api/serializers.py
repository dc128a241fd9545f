"""Serializers of money, costs, benefits, indicators and KPI figures, and of the computed
pilot and programme figures. They validate input and call `metrics.services`; they hold no
business rules. Related-object fields are scoped to what the requesting user may see.

Every money figure shows its original `amount` and `currency` and, computed (never stored),
`usd` (rounded by `metrics.money.round_usd`), the `rate` used, its `rate_date` (null when the
rate is pinned on the item) and `rate_pinned`; without a rate, `usd` is null and `usd_error`
says why.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csrplatform.api import (
    HidesUnseenRelated,
    Named,
    ScopedModelSerializer,
    ServiceSerializerMixin,
)
from pilots.models import Pilot
from suppliers.models import Facility, Organisation

from .. import money, services
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

# --- shared fields -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DECIMAL)
class DecimalText(serializers.Field):
    """A computed decimal as an exact string without trailing zeros ("8108", "0.142741")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return f"{Decimal(value).normalize():f}"


@dataclass
class MoneyView:
    """One money figure as an answer shows it."""

    amount: Decimal | None
    currency: str | None
    usd: Decimal | None = None
    rate: Decimal | None = None
    rate_date: date | None = None
    rate_pinned: bool | None = None
    usd_error: str | None = None


def money_view(item, rates: "RateCache", organisation_id: int) -> MoneyView:
    """`item` (anything with amount, currency_id, pinned_rate, on_date) converted to USD."""
    if item.amount is None:
        return MoneyView(None, None)
    converted, missing = money.try_convert(item, rates.table(organisation_id), organisation_id)
    if converted is None:
        return MoneyView(item.amount, item.currency_id, usd_error=missing)
    return from_converted(converted)


def from_converted(converted: money.Converted) -> MoneyView:
    rate = converted.rate
    return MoneyView(
        converted.amount,
        converted.currency,
        usd=converted.usd,
        rate=rate.usd,
        rate_date=rate.valid_from,
        rate_pinned=rate.pinned,
    )


class RateCache:
    """The dated rates of each facilitator organisation, read once per request."""

    def __init__(self):
        self._tables: dict[int, money.RateTable] = {}

    def table(self, organisation_id: int) -> money.RateTable:
        if organisation_id not in self._tables:
            self._tables[organisation_id] = money.RateTable([organisation_id])
        return self._tables[organisation_id]


def rate_cache(context) -> RateCache:
    return context.setdefault("rates", RateCache())


USD_HELP = _("In US dollars, rounded half up to whole dollars; null when there is no rate.")
RATE_HELP = _("US dollars per unit of the currency.")
RATE_DATE_HELP = _("The day the rate applies from; null when the rate is pinned on the item.")
PINNED_HELP = _("Whether the rate is the one the source used, pinned on the item.")
USD_ERROR_HELP = _("Why there is no US dollar figure (no rate for the currency and date).")


class MoneySerializer(serializers.Serializer):
    """A money figure: the original amount and currency, and its US dollar value."""

    amount = DecimalText(allow_null=True)
    currency = serializers.CharField(read_only=True, allow_null=True)
    usd = DecimalText(allow_null=True, help_text=USD_HELP)
    rate = DecimalText(allow_null=True, help_text=RATE_HELP)
    rate_date = serializers.DateField(read_only=True, allow_null=True, help_text=RATE_DATE_HELP)
    rate_pinned = serializers.BooleanField(read_only=True, allow_null=True, help_text=PINNED_HELP)
    usd_error = serializers.CharField(read_only=True, allow_null=True, help_text=USD_ERROR_HELP)


class ComparedSerializer(serializers.Serializer):
    """A computed figure beside the figure a source states for it, and their difference
    (computed minus stated; null when nothing is stated)."""

    computed = DecimalText(allow_null=True)
    stated = DecimalText(allow_null=True)
    stated_text = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    difference = DecimalText(allow_null=True)


class MoneyFieldsSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """The computed USD fields of a row with a money figure (cost item, benefit), converted
    with the rates of the programme's facilitator."""

    usd = DecimalText(source="_money.usd", allow_null=True, help_text=USD_HELP)
    rate = DecimalText(source="_money.rate", allow_null=True, help_text=RATE_HELP)
    rate_date = serializers.DateField(
        source="_money.rate_date", read_only=True, allow_null=True, help_text=RATE_DATE_HELP
    )
    rate_pinned = serializers.BooleanField(
        source="_money.rate_pinned", read_only=True, allow_null=True, help_text=PINNED_HELP
    )
    usd_error = serializers.CharField(
        source="_money.usd_error", read_only=True, allow_null=True, help_text=USD_ERROR_HELP
    )

    def to_representation(self, instance):
        instance._money = money_view(
            instance, rate_cache(self.context), instance.programme.facilitator_id
        )
        return super().to_representation(instance)


MONEY_FIELDS = (
    "amount",
    "currency",
    "pinned_rate",
    "on_date",
    "usd",
    "rate",
    "rate_date",
    "rate_pinned",
    "usd_error",
)


def stays_in_programme(instance, attrs, message):
    programme = attrs.get("programme")
    if instance is not None and programme is not None and programme.pk != instance.programme_id:
        raise serializers.ValidationError({"programme": [message]})


class ProgrammeFigureSerializerMixin:
    """A figure of a programme (cost item, benefit, stated figure), saved through its service
    (`service`, named in metrics.services; `instance_argument` names the figure changed); it
    does not move to another programme."""

    service = ""
    instance_argument = ""
    moved_message = ""

    def validate(self, attrs):
        stays_in_programme(self.instance, attrs, self.moved_message)
        return attrs

    def create(self, validated_data):
        return self.run_service(getattr(services, self.service), **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("programme", None)
        return self.run_service(
            getattr(services, self.service),
            programme=instance.programme,
            **{self.instance_argument: instance},
            **validated_data,
        )


# --- money ---------------------------------------------------------------------------------------


class CurrencySerializer(ServiceSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = Currency
        fields = ("code", "name")

    def validate_code(self, code):
        if self.instance is not None and code != self.instance.code:
            raise serializers.ValidationError(_("A currency's code does not change."))
        return code

    def create(self, validated_data):
        return self.run_service(services.currency_save, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("code", None)
        return self.run_service(services.currency_save, currency=instance, **validated_data)


class ExchangeRateSerializer(HidesUnseenRelated, ServiceSerializerMixin, ScopedModelSerializer):
    named = (Named(Organisation, "organisation_id", ("organisation", "organisation_name")),)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ExchangeRate
        fields = (
            "id",
            "organisation",
            "organisation_name",
            "currency",
            "valid_from",
            "usd",
            "source",
            "entered_at",
        )
        # One rate per organisation, currency and day: checked in the service's full_clean().
        validators = []

    def create(self, validated_data):
        return self.run_service(services.exchange_rate_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.exchange_rate_save, rate=instance, **validated_data)


class CostItemSerializer(ProgrammeFigureSerializerMixin, HidesUnseenRelated, MoneyFieldsSerializer):
    """A cost of a pilot (optionally of one phase) or of the whole programme."""

    named = (Named(Organisation, "borne_by_id", ("borne_by", "borne_by_name")),)
    borne_by_name = serializers.CharField(source="borne_by.name", read_only=True)
    pilot_title = serializers.CharField(
        source="pilot.title", read_only=True, default=None, allow_null=True
    )
    quantity_parts = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text=_('The quantities the unit amount multiplies, e.g. [{"count": "4", '
                    '"unit": "times"}, {"count": "4", "unit": "people"}].'),
    )  # fmt: skip
    quantity_text = serializers.CharField(read_only=True)
    usd_stated = serializers.SerializerMethodField()

    class Meta:
        model = CostItem
        fields = (
            "id",
            "programme",
            "pilot",
            "pilot_title",
            "phase",
            "borne_by",
            "borne_by_name",
            "nature",
            "category",
            "description",
            "unit_amount",
            "quantity_parts",
            "quantity_text",
            *MONEY_FIELDS,
            "usd_stated",
            "certainty",
            "person_days",
            "fte_low",
            "fte_high",
            "stated_usd",
            "source",
            "excluded_reason",
        )

    @extend_schema_field(ComparedSerializer)
    def get_usd_stated(self, instance):
        computed = instance._money.usd
        return ComparedSerializer(
            {
                "computed": computed,
                "stated": instance.stated_usd,
                "stated_text": "",
                "source": instance.source,
                "difference": money.difference(instance.stated_usd, computed),
            }
        ).data

    service = "cost_item_save"
    instance_argument = "cost_item"
    moved_message = _("A cost does not move to another programme.")


class BenefitSerializer(ProgrammeFigureSerializerMixin, MoneyFieldsSerializer):
    """A benefit expected from, or received through, a pilot, with an optional money value."""

    pilot_title = serializers.CharField(
        source="pilot.title", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Benefit
        fields = (
            "id",
            "programme",
            "pilot",
            "pilot_title",
            "phase",
            "status",
            "incentive",
            "description",
            *MONEY_FIELDS,
            "per",
        )

    service = "benefit_save"
    instance_argument = "benefit"
    moved_message = _("A benefit does not move to another programme.")


class StatedFigureSerializer(
    ProgrammeFigureSerializerMixin, ServiceSerializerMixin, ScopedModelSerializer
):
    """A figure as a source states it, kept beside the one the platform computes."""

    class Meta:
        model = StatedFigure
        fields = (
            "id",
            "programme",
            "pilot",
            "kind",
            "organisation_kind",
            "value",
            "text",
            "source",
        )
        # Once per programme or pilot, kind and organisation kind: the service's full_clean().
        validators = []

    service = "stated_figure_save"
    instance_argument = "stated"
    moved_message = _("A figure does not move to another programme.")


# --- KPIs ----------------------------------------------------------------------------------------


class IndicatorSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = Indicator
        fields = ("id", *services.INDICATOR_FIELDS)
        # The name's uniqueness is checked by the model in the service's full_clean().
        extra_kwargs = {"name": {"validators": []}}

    def create(self, validated_data):
        return self.run_service(services.indicator_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.indicator_save, indicator=instance, **validated_data)


class PilotIndicatorSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """A pilot tracks an indicator, with an optional target change and unit cost."""

    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)

    class Meta:
        model = PilotIndicator
        fields = (
            "id",
            "pilot",
            "indicator",
            "indicator_name",
            "unit",
            "target_change_pct",
            "unit_cost",
            "unit_cost_currency",
            "unit_cost_note",
        )
        # A pilot tracks an indicator once: the service's full_clean() says so.
        validators = []

    def validate_pilot(self, pilot):
        if self.instance is not None and pilot.pk != self.instance.pilot_id:
            raise serializers.ValidationError(_("This cannot move to another pilot."))
        return pilot

    def create(self, validated_data):
        return self.run_service(services.pilot_indicator_save, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("pilot", None)
        return self.run_service(
            services.pilot_indicator_save, pilot=instance.pilot, tracked=instance, **validated_data
        )


class ObservationSerializer(HidesUnseenRelated, ServiceSerializerMixin, ScopedModelSerializer):
    """One value of an indicator for a supplier (or one of its facilities) over a period.

    A supplier's own figures wait for confirmation by the pilot's partner or the facilitator
    (`status`); the facilitator's count as confirmed."""

    named = (
        Named(Pilot, "pilot_id", ("pilot", "pilot_title")),
        Named(Facility, "facility_id", ("facility", "facility_name")),
    )
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    supplier_name = serializers.CharField(source="supplier.organisation.name", read_only=True)
    facility_name = serializers.CharField(
        source="facility.name", read_only=True, default=None, allow_null=True
    )
    pilot_title = serializers.CharField(
        source="pilot.title", read_only=True, default=None, allow_null=True
    )
    unit = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_("The indicator's unit; left out, the indicator's unit is taken."),
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The version your change starts from. Send it when changing a figure so that "
            "nobody's change is silently overwritten: a change based on an older version is "
            "refused with 409."
        ),
    )

    class Meta:
        model = Observation
        fields = (
            "id",
            "indicator",
            "indicator_name",
            "supplier",
            "supplier_name",
            "facility",
            "facility_name",
            "pilot",
            "pilot_title",
            *services.OBSERVATION_FIGURE_FIELDS,
            "status",
            "note",
            "created_at",
            "version",
        )
        read_only_fields = ("status", "created_at")

    def create(self, validated_data):
        validated_data.pop("version", None)
        return self.run_service(services.observation_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(
            services.observation_save,
            observation=instance,
            expected_version=validated_data.pop("version", None),
            **validated_data,
        )


class FigureVersionField(serializers.IntegerField):
    """The version of the figure a review starts from: optional, but sent, a review of a
    figure changed since is refused with 409 instead of confirming what was not seen."""

    def __init__(self, **kwargs):
        super().__init__(
            source="expected_version",
            min_value=1,
            required=False,
            help_text=_(
                "The figure's `version` you reviewed; a figure changed since is refused with 409."
            ),
            **kwargs,
        )


class ConfirmSerializer(serializers.Serializer):
    version = FigureVersionField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    version = FigureVersionField()
    # Blank is let through so the service says what a missing reason means.
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- computed figures ----------------------------------------------------------------------------


class PointSerializer(serializers.Serializer):
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    value = DecimalText()
    confirmed = serializers.BooleanField(read_only=True)
    count = serializers.IntegerField(
        read_only=True, help_text=_("How many figures (sites) are rolled up into it.")
    )
    weights_missing = serializers.BooleanField(
        read_only=True,
        help_text=_("A mean weighted by headcount lacked a headcount and is the plain mean."),
    )


class KpiRowSerializer(serializers.Serializer):
    """One row of a pilot's KPI table."""

    tracked = serializers.IntegerField(source="tracked.pk", read_only=True)
    indicator = serializers.IntegerField(source="indicator.pk", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)
    better = serializers.CharField(source="indicator.better", read_only=True)
    baseline = PointSerializer(read_only=True, allow_null=True)
    latest = PointSerializer(read_only=True, allow_null=True)
    target = PointSerializer(read_only=True, allow_null=True)
    target_is_derived = serializers.BooleanField(
        read_only=True,
        help_text=_("The target is computed from the baseline and a percentage change."),
    )
    change = DecimalText(allow_null=True)
    pct_change = DecimalText(allow_null=True)
    improved = serializers.BooleanField(read_only=True, allow_null=True)
    target_gap = DecimalText(
        allow_null=True,
        help_text=_("How far the latest figure is from the target (0 or less: reached)."),
    )
    missing_baseline = serializers.BooleanField(read_only=True)
    computed_from_counts = serializers.BooleanField(read_only=True)
    rollup = serializers.CharField(
        read_only=True, help_text=_("How the sites' figures are rolled up: sum, mean, weighted.")
    )
    has_comparison = serializers.BooleanField(
        read_only=True, help_text=_("The pilot names a comparison group.")
    )
    comparison_baseline = PointSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The comparison group's figure for the baseline's period."),
    )
    comparison_latest = PointSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The comparison group's figure for the latest figure's period."),
    )
    sites_differ = serializers.BooleanField(
        read_only=True,
        help_text=_("The baseline and the latest figure roll up different numbers of sites."),
    )
    comparison_change = DecimalText(allow_null=True)
    versus_comparison = DecimalText(
        allow_null=True,
        help_text=_("The latest figure less the comparison group's, same period."),
    )
    change_beyond_comparison = DecimalText(
        allow_null=True,
        help_text=_("The change less the comparison group's change over the same periods."),
    )
    projected_reduction = DecimalText(allow_null=True)
    projected_savings = serializers.SerializerMethodField(
        help_text=_("Reduction × cost of one unit, in the unit cost's currency and in USD.")
    )

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_projected_savings(self, row):
        if row.projected_savings is None or not row.tracked.unit_cost_currency_id:
            return None
        if row.savings is not None:
            view = from_converted(row.savings)
        else:
            view = MoneyView(
                row.projected_savings,
                row.tracked.unit_cost_currency_id,
                usd_error=str(_("There is no exchange rate for this currency today.")),
            )
        return MoneySerializer(view).data


class CostLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk", read_only=True)
    phase = serializers.IntegerField(source="item.phase_id", read_only=True, allow_null=True)
    category = serializers.CharField(source="item.category", read_only=True)
    description = serializers.CharField(source="item.description", read_only=True)
    quantity_text = serializers.CharField(source="item.quantity_text", read_only=True)
    certainty = serializers.CharField(source="item.certainty", read_only=True)
    money = serializers.SerializerMethodField()
    usd = ComparedSerializer(source="stated", read_only=True)

    @extend_schema_field(MoneySerializer)
    def get_money(self, line):
        if line.converted is not None:
            return MoneySerializer(from_converted(line.converted)).data
        item = line.item
        return MoneySerializer(
            MoneyView(item.amount, item.currency_id, usd_error=line.error or None)
        ).data


class BenefitLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    incentive = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    per = serializers.CharField(read_only=True)
    money = MoneySerializer(read_only=True, allow_null=True)


class AmountSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    amount = DecimalText()


class RateUsedSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    rate = DecimalText()
    rate_date = serializers.DateField(read_only=True, allow_null=True)
    rate_pinned = serializers.BooleanField(read_only=True)
    description = serializers.CharField(read_only=True)


class CostBenefitSerializer(serializers.Serializer):
    hard = CostLineSerializer(many=True, read_only=True)
    soft = CostLineSerializer(many=True, read_only=True)
    totals_by_currency = AmountSerializer(many=True, read_only=True)
    total_usd = ComparedSerializer(
        read_only=True,
        help_text=_("The costs' total in USD, converted from the summed original amounts."),
    )
    rates_used = RateUsedSerializer(many=True, read_only=True)
    missing_rates = serializers.ListField(child=serializers.CharField(), read_only=True)
    expected_benefits = BenefitLineSerializer(many=True, read_only=True)
    received_benefits = BenefitLineSerializer(many=True, read_only=True)


class PilotFiguresSerializer(serializers.Serializer):
    """A pilot's KPI table and its cost-benefit figures."""

    pilot = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    programme = serializers.IntegerField(read_only=True)
    kpis = KpiRowSerializer(many=True, read_only=True)
    cost_benefit = CostBenefitSerializer(read_only=True)


class FiguresLinkSerializer(serializers.Serializer):
    """A pilot or programme whose figures the caller may read, and where."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)


class ResourceRowSerializer(serializers.Serializer):
    pilot = serializers.IntegerField(source="pilot.pk", read_only=True, allow_null=True)
    pilot_title = serializers.CharField(
        source="pilot.title", read_only=True, allow_null=True, default=None
    )
    organisation_kind = serializers.CharField(
        read_only=True, help_text=_("Who bore the costs; empty for overall project management.")
    )
    fte_low = DecimalText(allow_null=True)
    fte_high = DecimalText(allow_null=True)
    fte_text = serializers.CharField(read_only=True)
    person_days = DecimalText(allow_null=True)
    usd = ComparedSerializer(read_only=True)
    items = serializers.IntegerField(read_only=True)


class LeftOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    description = serializers.CharField(read_only=True)
    certainty = serializers.CharField(read_only=True)
    excluded_reason = serializers.CharField(read_only=True)


class ResourceAnalysisSerializer(serializers.Serializer):
    rows = ResourceRowSerializer(many=True, read_only=True)
    total = ComparedSerializer(read_only=True)
    missing_rates = serializers.ListField(child=serializers.CharField(), read_only=True)
    left_out = LeftOutSerializer(
        many=True, read_only=True, help_text=_("The first 100 costs not counted, with why.")
    )
    left_out_count = serializers.IntegerField(read_only=True)
    complete = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "False when the caller sees only some of the programme's costs: the total is of "
            "those, and is not compared with the programme's stated total."
        ),
    )


class OrganisationNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ParticipationRowSerializer(serializers.Serializer):
    organisation_kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    expected = serializers.IntegerField(read_only=True, allow_null=True)
    actual = ComparedSerializer(read_only=True)
    organisations = OrganisationNameSerializer(many=True, read_only=True)


class ReachRowSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    pilots = serializers.SerializerMethodField()
    usd = DecimalText(allow_null=True)
    supplier_count = serializers.IntegerField(source="suppliers", read_only=True)
    workers = serializers.IntegerField(read_only=True, allow_null=True)
    per_supplier = DecimalText(allow_null=True)
    per_worker = DecimalText(allow_null=True)

    def get_pilots(self, row) -> list[int]:
        return [pilot.pk for pilot in row.pilots]


class CostPerReachSerializer(serializers.Serializer):
    by_pilot = ReachRowSerializer(many=True, read_only=True)
    by_approach = ReachRowSerializer(many=True, read_only=True)


# --- results framework ---------------------------------------------------------------------------


class ResultItemSerializer(
    ProgrammeFigureSerializerMixin, ServiceSerializerMixin, ScopedModelSerializer
):
    """An outcome or output of a programme's results framework; `parent` is the item it sits
    under (null at the top)."""

    class Meta:
        model = ResultItem
        fields = ("id", "programme", "parent", "level", "code", "title")
        # A number once per programme: the service's full_clean() says so.
        validators = []

    service = "result_item_save"
    instance_argument = "item"
    moved_message = _("An outcome or output stays in its programme.")


class ResultIndicatorSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """An indicator of an outcome or output, with its baseline, target and actual."""

    class Meta:
        model = ResultIndicator
        fields = ("id", "result_item", "name", "unit", "baseline", "target", "actual", "order")

    def create(self, validated_data):
        return self.run_service(services.result_indicator_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(
            services.result_indicator_save, indicator=instance, **validated_data
        )


class ProgressReportSerializer(
    ProgrammeFigureSerializerMixin, ServiceSerializerMixin, ScopedModelSerializer
):
    """A progress report of a programme at a date; its judgements are listed apart."""

    class Meta:
        model = ProgressReport
        fields = ("id", "programme", "date", "title", "notes")

    service = "progress_report_save"
    instance_argument = "report"
    moved_message = _("A progress report stays in its programme.")


class JudgementSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """How far a progress report judged one results indicator met (`rating`), why and when
    (`judged_on`, required)."""

    result_indicator = serializers.PrimaryKeyRelatedField(
        source="indicator", queryset=ResultIndicator.objects.all()
    )

    class Meta:
        model = Judgement
        fields = ("id", "progress_report", "result_indicator", "rating", "reasoning", "judged_on")
        # Once per report and indicator: the service's full_clean() says so.
        validators = []
        extra_kwargs = {
            "judged_on": {
                "error_messages": {
                    "required": _("Give the date of the judgement."),
                    "null": _("Give the date of the judgement."),
                }
            }
        }

    def validate_progress_report(self, report):
        if self.instance is not None and report.pk != self.instance.progress_report_id:
            raise serializers.ValidationError(_("A judgement stays in its progress report."))
        return report

    def create(self, validated_data):
        return self.run_service(services.judgement_save, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("progress_report", None)
        return self.run_service(
            services.judgement_save,
            progress_report=instance.progress_report,
            judgement=instance,
            **validated_data,
        )


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class ReportShareSerializer(serializers.Serializer):
    """A progress report and the share of the indicators it judged that were met or mostly
    met (in %, null when it judged none), with the count per rating."""

    id = serializers.IntegerField(source="report.pk", read_only=True)
    date = serializers.DateField(source="report.date", read_only=True)
    title = serializers.CharField(source="report.title", read_only=True)
    indicators_judged = serializers.IntegerField(source="judged", read_only=True)
    indicators_met = serializers.IntegerField(
        source="met", read_only=True, help_text="Judged met or mostly met."
    )
    share_met = DecimalText(source="share", allow_null=True)
    ratings = serializers.SerializerMethodField()

    @extend_schema_field(RatingCountSerializer(many=True))
    def get_ratings(self, share) -> list:
        return [{"rating": rating, "count": count} for rating, count in share.counts.items()]


class ResultsSerializer(serializers.Serializer):
    """The share of indicators met per progress report (oldest first), and the latest
    report's share beside the share a source states."""

    reports = ReportShareSerializer(many=True, read_only=True)
    latest_share_met = ComparedSerializer(source="latest_share", read_only=True)


class ProgrammeFiguresSerializer(serializers.Serializer):
    """A programme's tables, computed from the rows the caller may see."""

    programme = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    resource_analysis = ResourceAnalysisSerializer(read_only=True)
    stakeholder_participation = ParticipationRowSerializer(many=True, read_only=True)
    cost_per_reach = CostPerReachSerializer(read_only=True)
    results = ResultsSerializer(read_only=True)
