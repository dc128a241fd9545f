"""What things cost and what they changed: money with its rates, cost items, benefits,
indicators and their observations, and the figures sources state beside the computed ones.

Money figures keep their original amount and currency; their USD value is computed
(`metrics.money`), never stored, so a corrected rate corrects every figure that used it.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from csrplatform.access import ScopedQuerySet
from csrplatform.text import shorten

from .choices import (
    BenefitStatus,
    Better,
    Certainty,
    ContractType,
    CostCategory,
    CostNature,
    Incentive,
    IndicatorKind,
    ObservationKind,
    ObservationSource,
    ObservationStatus,
    Rating,
    ResultLevel,
    Rollup,
    Sex,
    StatedFigureKind,
)

NOT_NEGATIVE = MinValueValidator(Decimal("0"))
AMOUNT = dict(max_digits=16, decimal_places=2)
RATE = dict(max_digits=20, decimal_places=10)


class Currency(models.Model):
    """An ISO 4217 currency. USD is the currency every figure is also shown in."""

    code = models.CharField(
        _("code"),
        max_length=3,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use the three capital letters of ISO 4217."))],
    )
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["code"]

    def __str__(self):
        return self.code


class ExchangeRateQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("organisation", "entered_by")


class ExchangeRate(models.Model):
    """1 unit of `currency` is worth `usd` US dollars from `valid_from` on, as entered by a
    facilitator organisation for the programmes it runs."""

    organisation = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="exchange_rates",
        verbose_name=_("entered by organisation"),
    )
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="rates", verbose_name=_("currency")
    )
    valid_from = models.DateField(_("valid from"))
    usd = models.DecimalField(
        _("USD per unit"), **RATE, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "currency", "valid_from"],
                name="rate_one_per_currency_and_day",
                violation_error_message=_("There is already a rate for this currency and day."),
            ),
        ]

    def __str__(self):
        return f"1 {self.currency_id} = {self.usd.normalize():f} USD ({self.valid_from})"

    def clean(self):
        if self.currency_id == "USD" and self.usd != 1:
            raise ValidationError({"usd": _("One US dollar is one US dollar.")})


class Money(models.Model):
    """An amount in its own currency, with an optional rate pinned by the source (the rate a
    report used wins over the dated rate), converted on `on_date`."""

    amount = models.DecimalField(
        _("amount"), **AMOUNT, null=True, blank=True, validators=[NOT_NEGATIVE]
    )
    currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("currency"),
    )
    pinned_rate = models.DecimalField(
        _("pinned rate (USD per unit)"),
        **RATE,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0000000001"))],
        help_text=_("The rate the source used; leave empty to use the dated rate."),
    )
    on_date = models.DateField(
        _("date"), default=date.today, help_text=_("Picks the exchange rate in force that day.")
    )

    class Meta:
        abstract = True

    def clean_money(self):
        if self.amount is not None and self.currency_id is None:
            raise ValidationError({"currency": _("Give the currency of the amount.")})
        if self.currency_id is not None and self.amount is None:
            raise ValidationError({"amount": _("Give the amount, or leave the currency empty.")})


class RequiredMoney(Money):
    """A money figure that always has an amount and a currency (a budget line, a payment)."""

    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[NOT_NEGATIVE])
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )

    class Meta:
        abstract = True


class CostItemQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related(
            "programme__facilitator", "pilot__supplier__organisation", "phase", "borne_by"
        )


class CostItem(Money):
    """One cost of a pilot (optionally of one phase), or of the programme as a whole (overall
    project management), as a figure, as effort, or both."""

    programme = models.ForeignKey(
        "pilots.Programme",
        on_delete=models.CASCADE,
        related_name="cost_items",
        verbose_name=_("programme"),
    )
    pilot = models.ForeignKey(
        "pilots.Pilot",
        on_delete=models.CASCADE,
        related_name="cost_items",
        null=True,
        blank=True,
        verbose_name=_("pilot"),
        help_text=_("Empty for a cost of the whole programme."),
    )
    phase = models.ForeignKey(
        "pilots.Phase",
        on_delete=models.SET_NULL,
        related_name="cost_items",
        null=True,
        blank=True,
        verbose_name=_("phase"),
    )
    borne_by = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="costs_borne",
        verbose_name=_("borne by"),
    )
    nature = models.CharField(_("hard or soft"), max_length=10, choices=CostNature.choices)
    category = models.CharField(_("category"), max_length=30, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    unit_amount = models.DecimalField(
        _("unit amount"), **AMOUNT, null=True, blank=True, validators=[NOT_NEGATIVE]
    )
    #: e.g. [{"count": "4", "unit": "times"}, {"count": "4", "unit": "people"}]
    quantity_parts = models.JSONField(_("quantities"), default=list, blank=True)
    certainty = models.CharField(
        _("estimated or actual"),
        max_length=10,
        choices=Certainty.choices,
        default=Certainty.ACTUAL,
    )
    person_days = models.DecimalField(
        _("person-days"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[NOT_NEGATIVE],
    )  # fmt: skip
    fte_low = models.DecimalField(
        _("FTE (from)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[NOT_NEGATIVE],
    )  # fmt: skip
    fte_high = models.DecimalField(
        _("FTE (to)"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[NOT_NEGATIVE],
    )  # fmt: skip
    stated_usd = models.DecimalField(
        _("USD as the source states it"), **AMOUNT, null=True, blank=True,
        validators=[NOT_NEGATIVE],
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=300, blank=True)
    excluded_reason = models.CharField(
        _("left out of the programme's totals because"),
        max_length=300,
        blank=True,
        help_text=_("Empty: the cost counts in the resource analysis."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CostItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost item")
        verbose_name_plural = _("cost items")
        ordering = ["programme_id", "pilot_id", "phase__number", "id"]
        indexes = [models.Index(fields=["pilot", "id"]), models.Index(fields=["programme", "id"])]

    def __str__(self):
        return shorten(self.description, 80)

    @property
    def quantity_product(self) -> Decimal | None:
        if self.unit_amount is None or not self.quantity_parts:
            return None
        product = self.unit_amount
        for part in self.quantity_parts:
            product *= Decimal(str(part["count"]))
        return product

    @property
    def quantity_text(self) -> str:
        if self.unit_amount is None or not self.quantity_parts:
            return ""
        parts = [f"{self.unit_amount.normalize():f}"] + [
            f"{Decimal(str(part['count'])).normalize():f} {part.get('unit', '')}".strip()
            for part in self.quantity_parts
        ]
        return " × ".join(parts)

    @property
    def fte_text(self) -> str:
        if self.fte_low is None and self.fte_high is None:
            return ""
        low, high = self.fte_low, self.fte_high
        if low is None or high is None or low == high:
            return f"{(low if low is not None else high).normalize():f}"
        return f"{low.normalize():f}–{high.normalize():f}"

    def clean(self):
        errors = {}
        parts = self.quantity_parts or []
        if not isinstance(parts, list) or any(
            not isinstance(part, dict) or "count" not in part for part in parts
        ):
            errors["quantity_parts"] = [_("Each quantity needs a count, e.g. 4 times.")]
        else:
            try:
                for part in parts:
                    count = Decimal(str(part["count"]))
                    if not count.is_finite() or count < 0:
                        raise ValueError
            except (ArithmeticError, ValueError):
                errors["quantity_parts"] = [_("A quantity's count must be a number, 0 or more.")]
        if parts and self.unit_amount is None and "quantity_parts" not in errors:
            errors["unit_amount"] = [_("Give the unit amount the quantities multiply.")]
        product = self.quantity_product if "quantity_parts" not in errors else None
        if product is not None and (
            product >= Decimal(10) ** 14 or product != product.quantize(Decimal("0.01"))
        ):
            # The amount keeps cents and 14 digits before them; a product beyond is a typo.
            errors["quantity_parts"] = [
                _("The quantities make %(product)s, which is not an amount in cents below 10¹⁴.")
                % {"product": f"{product.normalize():f}"}
            ]
            product = None
        if product is not None:
            if self.amount is None:
                self.amount = self.quantity_product
            elif self.amount != self.quantity_product:
                errors["amount"] = [
                    _("The amount is %(amount)s but the quantities make %(product)s.")
                    % {"amount": self.amount, "product": self.quantity_product}
                ]
        try:
            self.clean_money()
        except ValidationError as exc:
            errors |= exc.message_dict
        if self.fte_low is not None and self.fte_high is not None and self.fte_low > self.fte_high:
            errors["fte_high"] = [_("The upper FTE is below the lower one.")]
        if self.pilot_id and self.programme_id and self.pilot.programme_id != self.programme_id:
            errors["pilot"] = [_("The pilot belongs to another programme.")]
        if self.phase_id and self.phase.pilot_id != self.pilot_id:
            errors["phase"] = [_("The phase belongs to another pilot.")]
        if errors:
            raise ValidationError(errors)


class BenefitQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme__facilitator", "pilot", "phase")


class Benefit(Money):
    """A benefit expected from, or received through, a pilot (seeds/000 lists both)."""

    programme = models.ForeignKey(
        "pilots.Programme", on_delete=models.CASCADE, related_name="benefits"
    )
    pilot = models.ForeignKey(
        "pilots.Pilot",
        on_delete=models.CASCADE,
        related_name="benefits",
        null=True,
        blank=True,
        verbose_name=_("pilot"),
    )
    phase = models.ForeignKey(
        "pilots.Phase",
        on_delete=models.SET_NULL,
        related_name="benefits",
        null=True,
        blank=True,
        verbose_name=_("phase"),
    )
    status = models.CharField(_("expected or received"), max_length=10, choices=BenefitStatus)
    incentive = models.CharField(_("incentive"), max_length=30, choices=Incentive.choices)
    description = models.TextField(_("description"))
    per = models.CharField(
        _("per"), max_length=30, blank=True, help_text=_("e.g. year, for a yearly saving")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BenefitQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["programme_id", "pilot_id", "status", "id"]

    def __str__(self):
        return shorten(self.description, 80)

    def clean(self):
        self.clean_money()
        if self.pilot_id and self.programme_id and self.pilot.programme_id != self.programme_id:
            raise ValidationError({"pilot": _("The pilot belongs to another programme.")})
        if self.phase_id and self.phase.pilot_id != self.pilot_id:
            raise ValidationError({"phase": _("The phase belongs to another pilot.")})


class Indicator(models.Model):
    """A KPI: measured directly, or a rate computed from two counts (injuries per 1,000
    workers from injuries and headcount)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    unit = models.CharField(_("unit"), max_length=50)
    better = models.CharField(_("which is better"), max_length=10, choices=Better.choices)
    kind = models.CharField(
        _("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.DIRECT
    )
    numerator = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counted"),
    )
    denominator = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("per"),
    )
    per = models.PositiveIntegerField(_("per how many"), null=True, blank=True)
    rollup = models.CharField(
        _("roll-up across facilities"), max_length=10, choices=Rollup.choices, default=Rollup.SUM
    )
    description = models.TextField(_("description"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def clean(self):
        if self.kind == IndicatorKind.RATE:
            errors = {}
            if not self.numerator_id:
                errors["numerator"] = _("A rate needs the count it counts.")
            if not self.denominator_id:
                errors["denominator"] = _("A rate needs the count it is per.")
            if not self.per:
                errors["per"] = _("Say per how many (e.g. 1000).")
            if self.pk and self.pk in (self.numerator_id, self.denominator_id):
                errors["numerator"] = _("A rate cannot be computed from itself.")
            if errors:
                raise ValidationError(errors)
        elif self.numerator_id or self.denominator_id:
            raise ValidationError(
                {"kind": _("Only a rate has counts; choose 'Rate from two counts'.")}
            )


class PilotIndicatorQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("pilot__programme", "indicator", "unit_cost_currency")


class PilotIndicator(models.Model):
    """A pilot tracks an indicator: what the pilot's KPI table, its chart and its projected
    savings are built from."""

    pilot = models.ForeignKey("pilots.Pilot", on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="pilots", verbose_name=_("indicator")
    )
    target_change_pct = models.DecimalField(
        _("target change (%)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A target stated against the baseline, e.g. -50."),
    )
    unit_cost = models.DecimalField(
        _("cost of one unit"), **AMOUNT, null=True, blank=True, validators=[NOT_NEGATIVE]
    )
    unit_cost_currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit_cost_note = models.CharField(_("unit cost from"), max_length=300, blank=True)

    objects = PilotIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("tracked indicator")
        verbose_name_plural = _("tracked indicators")
        ordering = ["pilot_id", "indicator__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "indicator"],
                name="pilot_tracks_indicator_once",
                violation_error_message=_("The pilot already tracks this indicator."),
            )
        ]

    def __str__(self):
        return f"{self.indicator.name} · {self.pilot}"

    def clean(self):
        if (self.unit_cost is None) != (self.unit_cost_currency_id is None):
            raise ValidationError(
                {"unit_cost_currency": _("Give the unit cost and its currency together.")}
            )


class ObservationQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related(
            "indicator", "pilot", "supplier__organisation", "facility", "entered_for"
        )

    def counted(self):
        """What derived figures use: everything but returned figures."""
        return self.exclude(status=ObservationStatus.RETURNED)


class Observation(models.Model):
    """One value of an indicator for a supplier (or one of its facilities) over a period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="observations"
    )
    facility = models.ForeignKey(
        "suppliers.Facility",
        on_delete=models.PROTECT,
        related_name="observations",
        null=True,
        blank=True,
    )
    pilot = models.ForeignKey(
        "pilots.Pilot",
        on_delete=models.CASCADE,
        related_name="observations",
        null=True,
        blank=True,
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=50)
    kind = models.CharField(_("baseline, target or actual"), max_length=10, choices=ObservationKind)
    source = models.CharField(_("source"), max_length=20, choices=ObservationSource.choices)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    contract_type = models.CharField(
        _("contract type"), max_length=10, choices=ContractType.choices, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObservationStatus.choices,
        default=ObservationStatus.CONFIRMED,
    )
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    entered_for = models.ForeignKey(
        "suppliers.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic locking: every change adds one; a change based on an older version is refused
    # (metrics.services.FigureEditConflict), not silently applied over someone else's. The
    # database default serves rows written in bulk without the model (imports, the bench).
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-period_end", "-id"]
        indexes = [
            models.Index(fields=["pilot", "indicator", "period_end"]),
            models.Index(fields=["supplier", "indicator", "period_end"]),
            models.Index(fields=["indicator", "period_end", "id"]),
            # The lists' order (newest first), unfiltered and by pilot, a million rows deep.
            models.Index(fields=["period_end", "id"]),
            models.Index(fields=["pilot", "period_end", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="observation_period_in_order",
                violation_error_message=_("The period ends before it starts."),
            )
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.value.normalize():f} {self.unit}"

    @property
    def is_breakdown(self) -> bool:
        return bool(self.sex or self.contract_type)

    def clean(self):
        errors = {}
        if self.indicator_id and self.unit and self.unit != self.indicator.unit:
            errors["unit"] = _("%(indicator)s is measured in %(unit)s, not %(given)s.") % {
                "indicator": self.indicator.name,
                "unit": self.indicator.unit,
                "given": self.unit,
            }
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period_end"] = _("The period ends before it starts.")
        future = self.period_end and self.period_end > date.today()
        if self.kind == ObservationKind.ACTUAL and future:
            errors["period_end"] = _("An actual figure cannot be for a period that has not ended.")
        if self.facility_id and self.supplier_id and self.facility.supplier_id != self.supplier_id:
            errors["facility"] = _("The facility belongs to another supplier.")
        if (
            self.pilot_id
            and self.supplier_id
            and self.supplier_id not in self.pilot.covered_supplier_ids
        ):
            errors["pilot"] = _("The pilot covers neither this supplier nor any of its sites.")
        elif self.pilot_id and self.supplier_id and self.pilot.site_list:
            from .figures import SiteRoles  # the one rule of which figure counts where

            if not SiteRoles(self.pilot.supplier_id, self.pilot.site_list).is_placed(self):
                errors["facility"] = _(
                    "The pilot counts this supplier's figures per site: name one of its "
                    "facilities that is a site of the pilot."
                )
        if errors:
            raise ValidationError(errors)


class StatedFigureQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme", "pilot")


class StatedFigure(models.Model):
    """A figure as a source states it (e.g. the report's resource-analysis total), kept beside
    the one the platform computes so that every page shows where the two differ."""

    programme = models.ForeignKey(
        "pilots.Programme", on_delete=models.CASCADE, related_name="stated_figures"
    )
    pilot = models.ForeignKey(
        "pilots.Pilot",
        on_delete=models.CASCADE,
        related_name="stated_figures",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("figure"), max_length=30, choices=StatedFigureKind.choices)
    #: for a row of a table by organisation kind (e.g. the customer's or the supplier's part)
    organisation_kind = models.CharField(_("organisation kind"), max_length=30, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    text = models.CharField(
        _("as written"), max_length=100, blank=True, help_text=_('e.g. "4 + 1"')
    )
    source = models.CharField(_("source"), max_length=300)

    objects = StatedFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("stated figure")
        verbose_name_plural = _("stated figures")
        ordering = ["programme_id", "pilot_id", "kind", "organisation_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind", "organisation_kind"],
                condition=Q(pilot__isnull=True),
                name="stated_programme_figure_once",
                violation_error_message=_("This figure is already recorded."),
            ),
            models.UniqueConstraint(
                fields=["pilot", "kind", "organisation_kind"],
                condition=Q(pilot__isnull=False),
                name="stated_pilot_figure_once",
                violation_error_message=_("This figure is already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value.normalize():f}"


class ImportJob(models.Model):
    """One upload of observations, cost items, or an audit's findings (`audits.imports`): its
    progress, and its problems if refused. The uploaded file is kept only until the job ends."""

    class Kind(models.TextChoices):
        OBSERVATIONS = "observations", _("KPI observations")
        COSTS = "costs", _("Cost items")
        FINDINGS = "findings", _("Findings and corrective actions")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        CHECKING = "checking", _("Checking rows")
        SAVING = "saving", _("Saving")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Nothing imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(upload_to="metrics-imports/", blank=True)
    filename = models.CharField(_("file"), max_length=255)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_saved = models.PositiveIntegerField(default=0)
    #: the first problems, as [row, column, message]
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    #: findings only: the audit they are imported into
    audit = models.ForeignKey(
        "audits.Audit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_checked * 90 // self.rows_total)


# --- results framework ---------------------------------------------------------------------------


class ResultItemQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme", "parent")


class ResultItem(models.Model):
    """An outcome or an output of a programme's results framework, numbered as the programme
    numbers it ("1", "1.2"); an output usually sits under an outcome."""

    programme = models.ForeignKey(
        "pilots.Programme", on_delete=models.CASCADE, related_name="result_items"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        related_name="children",
        null=True,
        blank=True,
        verbose_name=_("under"),
    )
    level = models.CharField(_("level"), max_length=10, choices=ResultLevel.choices)
    code = models.CharField(_("number"), max_length=20, help_text=_('e.g. "1.2"'))
    title = models.CharField(_("title"), max_length=300)

    objects = ResultItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome or output")
        verbose_name_plural = _("outcomes and outputs")
        ordering = ["programme_id", "code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"],
                name="result_item_code_once",
                violation_error_message=_("This number is already used in the programme."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.programme_id != self.programme_id:
            raise ValidationError({"parent": _("Choose an outcome or output of this programme.")})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An item cannot sit under itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class ResultIndicatorQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("result_item")


class ResultIndicator(models.Model):
    """An indicator of an outcome or output, with its baseline, target and actual."""

    result_item = models.ForeignKey(
        ResultItem,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("outcome or output"),
    )
    name = models.CharField(_("indicator"), max_length=300)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    actual = models.DecimalField(
        _("actual"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = ResultIndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("results indicator")
        verbose_name_plural = _("results indicators")
        ordering = ["result_item_id", "order", "id"]

    def __str__(self):
        return self.name


class ProgressReportQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme")


class ProgressReport(models.Model):
    """A progress report of a programme at a date, with its judgements as they stood."""

    programme = models.ForeignKey(
        "pilots.Programme", on_delete=models.CASCADE, related_name="progress_reports"
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["programme_id", "date", "id"]

    def __str__(self):
        return f"{self.title} ({self.date.isoformat()})"


class JudgementQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("progress_report", "indicator")


class Judgement(models.Model):
    """How far a progress report judged one results indicator met, why, and when."""

    progress_report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="judgements",
        verbose_name=_("progress report"),
    )
    indicator = models.ForeignKey(
        ResultIndicator,
        on_delete=models.CASCADE,
        related_name="judgements",
        verbose_name=_("results indicator"),
    )
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    reasoning = models.TextField(_("reasoning"), blank=True)
    judged_on = models.DateField(
        _("judged on"),
        error_messages={
            "null": _("Give the date of the judgement."),
            "blank": _("Give the date of the judgement."),
        },
    )

    objects = JudgementQuerySet.as_manager()

    class Meta:
        verbose_name = _("judgement")
        verbose_name_plural = _("judgements")
        ordering = ["progress_report_id", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["progress_report", "indicator"],
                name="judgement_once_per_report",
                violation_error_message=_("This report already judges this indicator."),
            )
        ]

    def __str__(self):
        return f"{self.indicator}: {self.get_rating_display()}"

    def clean(self):
        if not self.indicator_id or not self.progress_report_id:
            return
        if self.indicator.result_item.programme_id != self.progress_report.programme_id:
            raise ValidationError(
                {"indicator": _("Choose an indicator of the report's programme.")}
            )
