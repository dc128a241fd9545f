"""Forms of the metrics entry pages; they validate input and hand it to metrics.services.

Every choice comes from what the user may use: a programme's own pilots, phases and
organisations for its costs; for a KPI figure, the suppliers, pilots and facilities the user
may record figures for, searched as the user types (never all listed).
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from csrplatform.widgets import Lookup, SearchSelect, register_lookup
from pilots.models import Phase, Pilot
from suppliers.choices import OrganisationKind
from suppliers.models import Facility, Organisation, Supplier

from .choices import ObservationSource, Rating
from .models import (
    Benefit,
    CostItem,
    Currency,
    ExchangeRate,
    Indicator,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
    StatedFigure,
)
from .services import (
    BENEFIT_FIELDS,
    COST_FIELDS,
    INDICATOR_FIELDS,
    PROGRESS_REPORT_FIELDS,
    RESULT_INDICATOR_FIELDS,
    RESULT_ITEM_FIELDS,
    cost_bearer_ids,
    observation_pilots,
    observation_suppliers,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ZERO = Decimal("0")


def _not_negative(form, *names):
    """Refuse a negative number with a message naming the field."""
    for name in names:
        field = form.fields.get(name)
        if field is None:
            continue
        field.widget.attrs.setdefault("min", "0")
        field.validators.append(
            MinValueValidator(
                ZERO, message=_("%(field)s cannot be negative.") % {"field": field.label}
            )
        )


def _currency_field(form, name):
    field = form.fields.get(name)
    if field is None:
        return
    field.queryset = Currency.objects.all()
    field.error_messages["invalid_choice"] = _(
        "Unknown currency: choose one of the list (ISO 4217 code)."
    )


# --- quantities: "300 × 4 times × 4 people" ----------------------------------------------------

_SPLIT = re.compile(r"\s*[×*]\s*|\s+[xX]\s+|(?<=\d)\s*[xX]\s*(?=\d)")
_PART = re.compile(r"^(?P<count>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>.*)$")


class QuantityError(ValueError):
    pass


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise QuantityError(text) from exc
    if value < 0:
        raise QuantityError(text)
    return value


def parse_quantities(text: str) -> tuple[Decimal | None, list[dict]]:
    """'300 × 4 times × 4 people' → (300, [{count: 4, unit: times}, {count: 4, unit: people}]).

    The first number is the unit amount; each further part is a count and what it counts.
    Empty text is no quantities at all."""
    text = (text or "").strip()
    if not text:
        return None, []
    pieces = [piece.strip() for piece in _SPLIT.split(text)]
    if len(pieces) < 2 or any(not piece for piece in pieces):
        raise QuantityError(text)
    unit_match = _PART.match(pieces[0])
    if unit_match is None or unit_match.group("unit"):
        raise QuantityError(text)
    unit_amount = _number(unit_match.group("count"))
    parts = []
    for piece in pieces[1:]:
        match = _PART.match(piece)
        if match is None:
            raise QuantityError(text)
        count = _number(match.group("count"))
        parts.append({"count": f"{count.normalize():f}", "unit": match.group("unit").strip()})
    return unit_amount, parts


class _RemapErrors:
    """Model errors on fields this form shows under another name."""

    error_aliases: dict[str, str] = {}

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            for name, alias in self.error_aliases.items():
                if name in errors.error_dict:
                    moved = errors.error_dict.pop(name)
                    errors.error_dict.setdefault(alias, []).extend(moved)
            for name in list(errors.error_dict):
                if name != "__all__" and name not in self.fields:
                    errors.error_dict.setdefault("__all__", []).extend(errors.error_dict.pop(name))
        super()._update_errors(errors)


def programme_organisations(programme):
    """Who may bear a programme's cost: its facilitator, sponsors, pilots' suppliers and
    participants (a handful, so a plain dropdown)."""
    return Organisation.objects.filter(
        Q(pk=programme.facilitator_id)
        | Q(sponsored_programmes=programme)
        | Q(supplier_profile__pilots__programme=programme)
        | Q(pilot_participations__pilot__programme=programme)
    ).distinct()


class _ProgrammeFigureForm(_RemapErrors, forms.ModelForm):
    """A figure of a programme, or of one of its pilots (and phase)."""

    def __init__(self, *args, user, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.programme = programme
        pilots = Pilot.objects.editable_by(user).filter(programme=programme).order_by("title")
        pilot = self.fields["pilot"]
        pilot.queryset = pilots
        pilot.empty_label = _("The whole programme")
        pilot.label_from_instance = lambda item: item.title
        if "phase" in self.fields:
            phase = self.fields["phase"]
            phase.queryset = (
                Phase.objects.filter(pilot__in=pilots)
                .select_related("pilot")
                .order_by("pilot__title", "number")
            )
            phase.label_from_instance = lambda item: f"{item.pilot.title} — {item}"
        _currency_field(self, "currency")
        _not_negative(self, "amount")
        for name in ("on_date",):
            if name in self.fields:
                self.fields[name].widget = DATE


class CostItemForm(_ProgrammeFigureForm):
    quantity = forms.CharField(
        required=False,
        max_length=300,
        label=_("Quantities"),
        help_text=_(
            "The unit amount and what it is multiplied by, e.g. "
            "<code>300 × 4 times × 4 people</code> (x or * work too). "
            "Leave the amount empty and it is computed from them."
        ),
    )
    error_aliases = {"unit_amount": "quantity", "quantity_parts": "quantity"}

    class Meta:
        model = CostItem
        # The unit amount and quantities come from the one "quantity" field.
        fields = tuple(
            name for name in COST_FIELDS if name not in ("unit_amount", "quantity_parts")
        )

    field_order = ("pilot", "phase", "borne_by", "nature", "category", "description", "quantity")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        borne_by = self.fields["borne_by"]
        pilot = self._chosen_pilot()
        bearers = (
            Organisation.objects.filter(pk__in=cost_bearer_ids(self.programme, pilot))
            if pilot is not None
            else programme_organisations(self.programme)
        )
        borne_by.queryset = access.scope(self.user, bearers).order_by("name")
        self.fields["amount"].help_text = _("Empty: computed from the quantities.")
        if self.instance.pk and not self.is_bound:
            self.initial["quantity"] = self.instance.quantity_text
        _not_negative(self, "person_days", "fte_low", "fte_high", "stated_usd")

    def _chosen_pilot(self):
        """The pilot the cost is for, once known (posted, preset or saved): its bearers are
        the pilot's own organisations and the programme's facilitator and sponsors."""
        value = (
            self.data.get(self.add_prefix("pilot"))
            if self.is_bound
            else self.initial.get("pilot", self.instance.pilot_id)
        )
        try:
            return self.fields["pilot"].queryset.filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError):
            return None

    def clean_quantity(self):
        text = self.cleaned_data.get("quantity", "")
        try:
            self.unit_amount, self.quantity_parts = parse_quantities(text)
        except QuantityError:
            self.unit_amount, self.quantity_parts = None, []
            raise forms.ValidationError(
                _("Write the quantities as the unit amount times each count, e.g. 300 × 4 × 2.")
            ) from None
        self.instance.unit_amount = self.unit_amount
        self.instance.quantity_parts = self.quantity_parts
        return text

    def cost_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "quantity"}
        data["unit_amount"] = self.unit_amount
        data["quantity_parts"] = self.quantity_parts
        return data


class BenefitForm(_ProgrammeFigureForm):
    class Meta:
        model = Benefit
        fields = BENEFIT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class StatedFigureForm(_ProgrammeFigureForm):
    organisation_kind = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *OrganisationKind.choices],
        label=_("Organisation kind"),
        help_text=_("For a row of a table by organisation kind; empty otherwise."),
    )

    class Meta:
        model = StatedFigure
        fields = ("pilot", "kind", "organisation_kind", "value", "text", "source")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _not_negative(self, "value")


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ("organisation", "currency", "valid_from", "usd", "source")
        widgets = {"valid_from": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        writable = access.actor_for(user).orgs_of_kind("facilitator", writable=True)
        organisation = self.fields["organisation"]
        organisation.queryset = Organisation.objects.filter(pk__in=writable).order_by("name")
        if len(writable) == 1:
            organisation.empty_label = None
        _currency_field(self, "currency")
        _not_negative(self, "usd")


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        counts = Indicator.objects.filter(kind="direct")
        if self.instance.pk:
            counts = counts.exclude(pk=self.instance.pk)
        self.fields["numerator"].queryset = counts
        self.fields["denominator"].queryset = counts


class PilotIndicatorForm(forms.ModelForm):
    class Meta:
        model = PilotIndicator
        fields = (
            "indicator",
            "target_change_pct",
            "unit_cost",
            "unit_cost_currency",
            "unit_cost_note",
        )
        labels = {"unit_cost_currency": _("Currency of the unit cost")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["indicator"].queryset = Indicator.objects.visible_to(user)
        _currency_field(self, "unit_cost_currency")
        _not_negative(self, "unit_cost")


# --- KPI figures -------------------------------------------------------------------------------
# Each choice is given to the form field (what it validates against) and to its search box's
# lookup (what it offers): the box never offers what the form would refuse.


def observation_facilities(user):
    return Facility.objects.filter(supplier__in=observation_suppliers(user).values("pk"))


def _facility_label(facility):
    return f"{facility.supplier.organisation.name} — {facility.name}"


register_lookup(
    "metrics-observation-pilots",
    Lookup(
        queryset=Pilot.objects.all,
        choices=lambda request: observation_pilots(request.user),
        search_fields=("title", "supplier__organisation__name"),
        label=lambda pilot: pilot.title,
        order_by=("title", "pk"),
    ),
)
register_lookup(
    "metrics-observation-suppliers",
    Lookup(
        queryset=Supplier.objects.all,
        choices=lambda request: observation_suppliers(request.user),
        search_fields=("organisation__name", "organisation__local_name"),
        label=lambda supplier: supplier.organisation.name,
        select_related=("organisation",),
        order_by=("organisation__name", "pk"),
    ),
)
register_lookup(
    "metrics-observation-facilities",
    Lookup(
        queryset=Facility.objects.all,
        choices=lambda request: observation_facilities(request.user),
        search_fields=("name", "city", "supplier__organisation__name"),
        label=_facility_label,
        select_related=("supplier__organisation",),
        order_by=("supplier__organisation__name", "name", "pk"),
    ),
)


class ObservationForm(forms.ModelForm):
    """A KPI figure. The unit is the indicator's (prefilled; empty means the indicator's)."""

    # The version the page showed: a correction based on an older one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Observation
        fields = (
            "pilot",
            "supplier",
            "facility",
            "indicator",
            "kind",
            "period_start",
            "period_end",
            "value",
            "unit",
            "source",
            "sex",
            "contract_type",
            "note",
        )
        widgets = {
            "pilot": SearchSelect("metrics-observation-pilots"),
            "supplier": SearchSelect("metrics-observation-suppliers"),
            "facility": SearchSelect("metrics-observation-facilities"),
            "period_start": DATE,
            "period_end": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"pilot": _("Pilot"), "supplier": _("Supplier"), "facility": _("Facility")}
        help_texts = {
            "pilot": _("The pilot the figure is for; its supplier is taken when none is named."),
            "facility": _("One of the supplier's sites, if the figure is for one site only."),
        }

    def __init__(self, *args, user, pilot=None, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        actor = access.actor_for(user)
        fields = self.fields
        fields["pilot"].queryset = observation_pilots(user)
        fields["supplier"].queryset = observation_suppliers(user).select_related("organisation")
        fields["supplier"].required = False
        fields["facility"].queryset = observation_facilities(user).select_related(
            "supplier__organisation"
        )
        fields["indicator"].queryset = Indicator.objects.visible_to(user)
        unit = fields["unit"]
        unit.required = False
        unit.help_text = _("The indicator's unit; a figure in another unit is refused.")
        _not_negative(self, "value")
        self.is_facilitator = actor.is_facilitator_editor
        if not self.is_facilitator:
            # A supplier states its own figures; a partner's confirmation verifies them.
            fields["source"].choices = [
                (value, label)
                for value, label in ObservationSource.choices
                if value != ObservationSource.PARTNER_VERIFIED
            ]
            self.initial.setdefault("source", ObservationSource.SELF_REPORTED)
            own = list(
                Supplier.objects.filter(
                    organisation_id__in=actor.orgs_of_kind("supplier", writable=True)
                ).values_list("pk", flat=True)
            )
            if len(own) == 1:
                self.initial.setdefault("supplier", own[0])
        if pilot is not None:
            self.initial.setdefault("pilot", pilot.pk)
            self.initial.setdefault("supplier", pilot.supplier_id)
        if indicator is not None:
            self.initial.setdefault("indicator", indicator.pk)
            self.initial.setdefault("unit", indicator.unit)
        elif self.instance.pk:
            self.initial.setdefault("unit", self.instance.unit)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean(self):
        data = super().clean()
        pilot = data.get("pilot")
        if data.get("supplier") is None and pilot is not None:
            data["supplier"] = pilot.supplier
            self.instance.supplier = pilot.supplier
        if data.get("supplier") is None and "supplier" not in self.errors:
            self.add_error("supplier", _("Name the supplier, or the pilot the figure is for."))
        indicator = data.get("indicator")
        if not data.get("unit") and indicator is not None:
            data["unit"] = indicator.unit
        return data

    def observation_fields(self) -> dict:
        """The service's arguments: the figure's fields and the version the change starts
        from."""
        fields = dict(self.cleaned_data)
        fields["expected_version"] = fields.pop("version", None)
        return fields


# --- reviewing a figure ------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note (optional)")
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("What the supplier should correct")
    )


# --- results framework ---------------------------------------------------------------------------


class _ResultsRowForm(forms.ModelForm):
    """A row of a programme's results framework, validated as the model validates it (its
    clean() and constraints) before the service saves it; numbers that are not numbers are
    refused naming the field."""

    def __init__(self, *args, user, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.programme = programme
        for name in ("baseline", "target", "actual", "order"):
            field = self.fields.get(name)
            if field is not None:
                field.error_messages["invalid"] = _("%(field)s: enter a number.") % {
                    "field": field.label
                }

    def _programme_items(self):
        return (
            ResultItem.objects.editable_by(self.user)
            .filter(programme=self.programme)
            .order_by("code", "id")
        )


class ResultItemForm(_ResultsRowForm):
    """An outcome or output: its number, title, level and the item it sits under."""

    class Meta:
        model = ResultItem
        fields = RESULT_ITEM_FIELDS

    field_order = ("level", "code", "title", "parent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = self.programme
        parent = self.fields["parent"]
        parents = self._programme_items()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        parent.queryset = parents
        parent.empty_label = _("Nothing: it is at the top of the framework")

    def _get_validation_exclusions(self):
        # The programme is set from the page, not typed: check the number's uniqueness in it.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("programme")
        return exclusions

    def _update_errors(self, errors):
        # "This number is already used in the programme." belongs beside the number.
        taken = next(
            str(constraint.violation_error_message)
            for constraint in ResultItem._meta.constraints
            if constraint.name == "result_item_code_once"
        )
        if hasattr(errors, "error_dict"):
            general = errors.error_dict.get("__all__", [])
            moved = [error for error in general if taken in error.messages]
            if moved:
                errors.error_dict["__all__"] = [e for e in general if e not in moved]
                if not errors.error_dict["__all__"]:
                    del errors.error_dict["__all__"]
                errors.error_dict.setdefault("code", []).extend(moved)
        super()._update_errors(errors)


class ResultIndicatorForm(_ResultsRowForm):
    """An indicator of an outcome or output, with its baseline, target and actual."""

    class Meta:
        model = ResultIndicator
        fields = RESULT_INDICATOR_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result_item"].queryset = self._programme_items()
        self.fields["order"].help_text = _("Indicators of an outcome or output are listed by it.")


class ProgressReportForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = PROGRESS_REPORT_FIELDS
        widgets = {"date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}


class JudgementRowForm(forms.Form):
    """The judgement of one indicator in a progress report (one row of the report's form;
    with no rating, the report does not judge the indicator)."""

    rating = forms.ChoiceField(
        label=_("Rating"),
        required=False,
        choices=[("", _("Not judged")), *Rating.choices],
    )
    reasoning = forms.CharField(
        label=_("Reasoning"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    judged_on = forms.DateField(label=_("Judged on"), required=False, widget=DATE)

    def __init__(self, *args, indicator, item, **kwargs):
        kwargs.setdefault("prefix", f"indicator-{indicator.pk}")
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.item = item

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("rating")
            and not cleaned.get("judged_on")
            and "judged_on" not in self.errors
        ):
            self.add_error("judged_on", _("Give the date of the judgement."))
        if not cleaned.get("rating") and (cleaned.get("reasoning") or cleaned.get("judged_on")):
            self.add_error("rating", _("Choose a rating, or leave the reasoning and date empty."))
        return cleaned

    def judgement_fields(self) -> dict | None:
        """What the service records for this indicator (None: not judged)."""
        if not self.cleaned_data.get("rating"):
            return None
        return {name: self.cleaned_data[name] for name in ("rating", "reasoning", "judged_on")}
