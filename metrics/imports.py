"""Import KPI observations and cost items from a CSV or XLSX file, all rows or none.

Rows name things as a spreadsheet does: an indicator by name, a supplier by name (or id), a
facility by name, a pilot by title (or id), a currency by code. Every row is checked in memory
against lookups fetched once per file, with the models' own clean() rules, so the number of
queries does not grow with the rows; only a file without a single problem is written, with
bulk inserts in one transaction. Whatever the importer may not edit reads exactly like
something that does not exist.

Reading the file (CSV dialects, row numbering, the error and refusal types) is the findings
import's (`audits.imports`); the limits here are larger, since figures come by the ten thousand.
"""

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform import imports as reading
from csrplatform.imports import ImportRefused, RowError, Table
from csrplatform.imports import parse_date as _parse_due_date
from csrplatform.imports import refuse as _refuse
from csrplatform.imports import text as _text
from csrplatform.reviews.models import (
    Review,
    ReviewAction,
    ReviewEvent,
    ReviewKind,
)
from pilots.choices import InvitationStatus, ParticipantRole
from pilots.models import Phase, Pilot, PilotParticipant, Programme
from pilots.rules import editable_pilot_ids
from suppliers.models import Facility, Organisation, Supplier

from . import money, services
from .choices import (
    Certainty,
    ContractType,
    CostCategory,
    CostNature,
    ObservationKind,
    ObservationSource,
    ObservationStatus,
    Sex,
)
from .models import CostItem, Currency, ImportJob, Indicator, Observation
from .services import cost_bearer_ids

__all__ = ["ImportRefused", "RowError"]

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ROW_NUMBER = MAX_ROWS + 10_000
# 200,000 rows of 13 cells unpack to about 150 MB and hold some 6 million XML elements.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000
MAX_XLSX_RATIO = 100
MAX_XLSX_TAGS = 8_000_000
MAX_XLSX_COLUMNS = 50
# Files with more rows than this run as a background job with progress.
SYNC_ROWS = 2000
# An XLSX file larger than this counts as large without reading it.
SYNC_XLSX_BYTES = 200 * 1024
BATCH_SIZE = 2000
PROGRESS_EVERY = 5000
# Showing tens of thousands of problems helps nobody; the first ones tell what to fix.
MAX_ERRORS_KEPT = 500
ID = re.compile(r"#?[0-9]+")


# --- reading the file ----------------------------------------------------------------------------


def _limits() -> reading.Limits:
    """This import's limits, read from the module when a file comes."""
    return reading.limits_from(
        sys.modules[__name__],
        past_last_row=_(
            "The file goes on past row %(limit)s (empty rows count too); delete the "
            "empty rows at its end, or split it into several files."
        ),
        too_big=_(
            "The workbook is too big to import: it unpacks to more than %(limit)d MB. Keep only "
            "the sheet of figures (save a copy without the other sheets, pictures and "
            "formatting), or split it into several files."
        )
        % {"limit": MAX_XLSX_UNPACKED_BYTES // 1_048_576},
    )


def upload_bytes(upload) -> tuple[bytes, bool]:
    """The upload's bytes and whether it is a workbook, or ImportRefused if it is not a file
    we read (its name, size and type are checked before anything is parsed)."""
    return reading.upload_bytes(upload, _limits())


def read_table(data: bytes, is_xlsx: bool) -> Table:
    return reading.read_table(data, is_xlsx, _limits())


def looks_large(data: bytes, is_xlsx: bool) -> bool:
    """Whether the file is better imported in the background (a cheap estimate)."""
    if is_xlsx:
        return len(data) > SYNC_XLSX_BYTES
    return data.count(b"\n") > SYNC_ROWS + 1


# --- values --------------------------------------------------------------------------------------


class _Row:
    """One row's cells by column name; problems go to the shared list."""

    __slots__ = ("errors", "number", "ok", "values")

    def __init__(self, number, values, errors):
        self.number, self.values, self.errors, self.ok = number, values, errors, True

    def error(self, column, message):
        self.ok = False
        self.errors.append(RowError(self.number, column, message))

    def text(self, column) -> str:
        return _text(self.values.get(column))

    def required(self, column) -> str:
        value = self.text(column)
        if not value:
            self.error(column, _("Fill in %(column)s; it is required.") % {"column": column})
        return value

    def decimal(self, column, *, required=False, not_negative=False):
        raw = self.values.get(column)
        if raw is None or raw == "":
            if required:
                self.error(column, _("Fill in %(column)s; it is required.") % {"column": column})
            return None
        if isinstance(raw, bool):
            raw = str(raw)
        if isinstance(raw, int | Decimal):
            value = Decimal(raw)
        elif isinstance(raw, float):
            value = Decimal(repr(raw))
        else:
            text = str(raw).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                self.error(
                    column,
                    _("“%(value)s” is not a number; write it like 1234.5.") % {"value": raw},
                )
                return None
        if not_negative and value < 0:
            self.error(column, _("%(column)s cannot be negative.") % {"column": column})
            return None
        return value

    def day(self, column, *, required=False):
        raw = self.values.get(column)
        if raw is None or raw == "":
            if required:
                self.error(column, _("Fill in %(column)s; it is required.") % {"column": column})
            return None
        try:
            return _parse_due_date(raw)
        except ValueError as exc:
            self.error(column, str(exc))
            return None

    def choice(self, column, choices, *, required=False, default=""):
        text = self.text(column)
        if not text:
            if required:
                self.error(column, _("Fill in %(column)s; it is required.") % {"column": column})
            return default
        folded = text.casefold()
        for value, label in choices.choices:
            if folded in (value.casefold(), str(label).casefold()):
                return value
        self.error(
            column,
            _("Unknown %(column)s “%(value)s”; use one of: %(choices)s.")
            % {"column": column, "value": text, "choices": ", ".join(choices.values)},
        )
        return default


def _ids_and_names(rows, column) -> tuple[set[int], set[str]]:
    ids, names = set(), set()
    for row in rows:
        text = row.text(column)
        if not text:
            continue
        if ID.fullmatch(text):
            ids.add(int(text.lstrip("#")))
        names.add(text)
    return ids, names


class _Lookup:
    """Objects by id or by name (exact first, then ignoring case when unambiguous)."""

    def __init__(self, objects, name_of):
        self.by_id = {obj.pk: obj for obj in objects}
        self.by_name: dict[str, list] = {}
        self.by_folded: dict[str, list] = {}
        for obj in self.by_id.values():
            name = name_of(obj)
            self.by_name.setdefault(name, []).append(obj)
            self.by_folded.setdefault(name.casefold(), []).append(obj)

    def find(self, text):
        """(object or None, ambiguous?)"""
        matches = self.by_name.get(text) or self.by_folded.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0], False
        if not matches and ID.fullmatch(text):
            return self.by_id.get(int(text.lstrip("#"))), False
        return None, len(matches) > 1


def _find(row, column, lookup, missing, ambiguous):
    text = row.text(column)
    if not text:
        return None
    found, several = lookup.find(text)
    if found is None:
        row.error(column, (ambiguous if several else missing) % {"value": text})
    return found


def _model_errors(row, exc: ValidationError, columns: dict[str, str]):
    for name, messages in exc.message_dict.items():
        for message in messages:
            row.error(columns.get(name, "" if name == "__all__" else name), message)


def _check_model(row, columns: dict[str, str], *checks) -> None:
    """Run the model's checks on a row without problems so far; their errors go to the row."""
    if not row.ok:
        return
    try:
        for check in checks:
            check()
    except ValidationError as exc:
        _model_errors(row, exc, columns)


def _planned(rows, errors, progress, plan_row) -> list:
    """What `plan_row` makes of each row, or ImportRefused with the rows' problems (reading
    stops once there are plenty); `progress(rows checked)` every PROGRESS_EVERY rows."""
    planned = []
    for count, row in enumerate(rows, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
        planned_row = plan_row(row)
        if row.ok and not errors:
            planned.append(planned_row)
        if len(errors) >= MAX_ERRORS_KEPT * 4:
            break
    if errors:
        raise ImportRefused(errors)
    if progress:
        progress(len(rows))
    return planned


def _rows(table: Table, columns, errors) -> list[_Row]:
    positions = reading.check_header(table, columns)
    width = len(table.header)
    rows = []
    for number, cells in table.rows:
        values = {}
        for name, index in positions.items():
            if index < len(cells):
                values[name] = cells[index]
        for index in range(width, len(cells)):
            if _text(cells[index]):
                errors.append(reading.unnamed_cell_error(number, index))
        for index, name in enumerate(table.header):
            if not name and index < len(cells) and _text(cells[index]):
                errors.append(reading.unnamed_cell_error(number, index))
        rows.append(_Row(number, values, errors))
    return rows


# --- observations --------------------------------------------------------------------------------

OBSERVATION_COLUMNS = services.OBSERVATION_FIELDS
OBSERVATION_REQUIRED = (
    "indicator",
    "supplier",
    "period_start",
    "period_end",
    "value",
    "kind",
    "source",
)
_OBSERVATION_FIELD_COLUMNS = {"__all__": ""}


@dataclass
class Plan:
    kind: str
    objects: list
    #: observations only: the organisation asked to confirm each one (None: confirmed)
    reviewers: list


def _observation_lookups(actor, rows):
    info = access.actor_for(actor)
    own_orgs = set(info.orgs_of_kind("supplier", writable=True))
    editable = set(editable_pilot_ids(info).values_list("pk", flat=True))
    _ids, names = _ids_and_names(rows, "indicator")
    indicators = _Lookup(
        Indicator.objects.filter(Q(name__in=names) | Q(pk__in=_ids)), lambda i: i.name
    )
    supplier_ids, supplier_names = _ids_and_names(rows, "supplier")
    importable = Q(pk__in=services.observation_suppliers(actor).values("pk"))
    if info.is_facilitator_editor:
        importable |= Q(pk__in=access.scope(actor, Supplier.objects.all()).values("pk"))
    suppliers = (
        Supplier.objects.filter(importable)
        .filter(Q(organisation__name__in=supplier_names) | Q(pk__in=supplier_ids))
        .select_related("organisation")
        .distinct()
    )
    suppliers = _Lookup(suppliers, lambda s: s.organisation.name)
    pilot_ids, pilot_titles = _ids_and_names(rows, "pilot")
    pilots = _Lookup(
        services.observation_pilots(actor)
        .filter(Q(title__in=pilot_titles) | Q(pk__in=pilot_ids))
        .select_related("programme"),
        lambda p: p.title,
    )
    _unused, facility_names = _ids_and_names(rows, "facility")
    facilities: dict[tuple[int, str], list] = {}
    for facility in Facility.objects.filter(
        supplier_id__in=list(suppliers.by_id), name__in=facility_names
    ):
        facilities.setdefault((facility.supplier_id, facility.name.casefold()), []).append(facility)
    return info, own_orgs, editable, indicators, suppliers, pilots, facilities


def _reviewers(pilot_ids, supplier_ids) -> tuple[dict, dict]:
    """Who confirms a supplier's figure (`services.figure_confirmer`), fetched at once: by
    pilot, the pilot's first accepted civil-society partner, else its programme's
    facilitator; by supplier (figures of no pilot), the facilitator of its latest pilot."""
    by_pilot = {}
    for pilot_id, organisation_id in (
        PilotParticipant.objects.filter(
            pilot_id__in=pilot_ids,
            role=ParticipantRole.CIVIL_SOCIETY_PARTNER,
            invitation_status=InvitationStatus.ACCEPTED,
        )
        .order_by("-id")
        .values_list("pilot_id", "organisation_id")
    ):
        by_pilot[pilot_id] = organisation_id  # the lowest id is written last
    by_supplier = {}
    for supplier_id, facilitator_id in (
        Pilot.objects.filter(supplier_id__in=supplier_ids)
        .order_by("id")
        .values_list("supplier_id", "programme__facilitator_id")
    ):
        by_supplier[supplier_id] = facilitator_id  # the highest id is written last
    return by_pilot, by_supplier


def plan_observations(*, actor, table: Table, progress: Callable | None = None) -> Plan:
    errors: list[RowError] = []
    rows = _rows(table, OBSERVATION_COLUMNS, errors)
    info, own_orgs, editable, indicators, suppliers, pilots, facilities = _observation_lookups(
        actor, rows
    )
    visible_suppliers = None
    missing_supplier = _("No supplier you may record figures for is named “%(value)s”.")
    missing_pilot = _("No pilot you may record figures for is titled “%(value)s”.")
    # Translated once, not once per row.
    messages = [
        _("No indicator is named “%(value)s”."),
        _("Several indicators are named “%(value)s”; write its id instead."),
        _("Several suppliers are named “%(value)s”; write its id instead."),
        _("Several pilots are titled “%(value)s”; write its id instead."),
        _("%(supplier)s has several facilities named “%(value)s”; rename one of them first."),
        _("%(supplier)s has no facility named “%(value)s”."),
    ]

    def plan_row(row):
        nonlocal visible_suppliers
        for column in OBSERVATION_REQUIRED:
            if column != "value" and not row.text(column):
                row.required(column)
        indicator = _find(
            row,
            "indicator",
            indicators,
            messages[0],
            messages[1],
        )
        supplier = _find(
            row,
            "supplier",
            suppliers,
            missing_supplier,
            messages[2],
        )
        pilot = _find(
            row,
            "pilot",
            pilots,
            missing_pilot,
            messages[3],
        )
        facility = None
        facility_name = row.text("facility")
        if facility_name and supplier is not None:
            matches = facilities.get((supplier.pk, facility_name.casefold()), [])
            if len(matches) == 1:
                facility = matches[0]
            else:
                row.error(
                    "facility",
                    (messages[4] if matches else messages[5])
                    % {"supplier": supplier.organisation.name, "value": facility_name},
                )
        observation = Observation(
            indicator=indicator,
            supplier=supplier,
            facility=facility,
            pilot=pilot,
            period_start=row.day("period_start"),
            period_end=row.day("period_end"),
            value=row.decimal("value", required=True),
            unit=row.text("unit") or (indicator.unit if indicator else ""),
            kind=row.choice("kind", ObservationKind),
            source=row.choice("source", ObservationSource),
            sex=row.choice("sex", Sex),
            contract_type=row.choice("contract_type", ContractType),
            note=row.text("note"),
            entered_by=actor,
        )
        if supplier is not None:
            by_supplier = supplier.organisation_id in own_orgs
            by_facilitator = pilot is not None and pilot.pk in editable
            if pilot is None and not by_supplier and info.is_facilitator_editor:
                if visible_suppliers is None:
                    visible_suppliers = set(
                        access.scope(actor, Supplier.objects.all()).values_list("pk", flat=True)
                    )
                by_facilitator = supplier.pk in visible_suppliers
            if not (by_supplier or by_facilitator):
                # Found through one of the importer's pilots, but the row names none of them.
                row.error("supplier", missing_supplier % {"value": row.text("supplier")})
            observation.status = (
                ObservationStatus.CONFIRMED if by_facilitator else ObservationStatus.SUBMITTED
            )
            if by_supplier and not by_facilitator:
                observation.entered_for_id = supplier.organisation_id
        _check_model(
            row,
            _OBSERVATION_FIELD_COLUMNS,
            lambda: observation.clean_fields(
                exclude=["indicator", "supplier", "facility", "pilot", "entered_by", "entered_for"]
            ),
            observation.clean,
        )
        return observation

    planned = _planned(rows, errors, progress, plan_row)
    submitted = [o for o in planned if o.status == ObservationStatus.SUBMITTED]
    by_pilot, by_supplier = _reviewers(
        {o.pilot_id for o in submitted if o.pilot_id},
        {o.supplier_id for o in submitted if not o.pilot_id},
    )
    reviewers = []
    for observation in planned:
        if observation.status != ObservationStatus.SUBMITTED:
            reviewers.append(None)
        elif observation.pilot_id:
            pilot = observation.pilot
            reviewers.append(by_pilot.get(pilot.pk) or pilot.programme.facilitator_id)
        else:
            reviewers.append(by_supplier.get(observation.supplier_id))
    return Plan(kind=ImportJob.Kind.OBSERVATIONS, objects=planned, reviewers=reviewers)


def _write_observations(actor, plan: Plan) -> None:
    Observation.objects.bulk_create(plan.objects, batch_size=BATCH_SIZE)
    content_type = ContentType.objects.get_for_model(Observation)
    reviews = [
        Review(
            content_type=content_type,
            object_id=observation.pk,
            kind=ReviewKind.FIGURE_CONFIRMATION,
            reviewer_id=reviewer,
            requested_by=actor,
            note="",
        )
        for observation, reviewer in zip(plan.objects, plan.reviewers, strict=True)
        if reviewer is not None
    ]
    if not reviews:
        return
    Review.objects.bulk_create(reviews, batch_size=BATCH_SIZE)
    ReviewEvent.objects.bulk_create(
        [
            ReviewEvent(review=review, action=ReviewAction.REQUESTED, actor=actor, note="")
            for review in reviews
        ],
        batch_size=BATCH_SIZE,
    )


# --- cost items ----------------------------------------------------------------------------------

COST_REQUIRED = ("borne_by", "nature", "category", "description", "on_date")
_COST_FIELD_COLUMNS = {"quantity_parts": "quantities", "__all__": ""}
# The service's fields, as the file names them, after the programme.
COST_COLUMNS = (
    "programme",
    *(_COST_FIELD_COLUMNS.get(name, name) for name in services.COST_FIELDS),
)
QUANTITY_SEPARATORS = re.compile(r"\s*(?:;|×|\*|\s[xX]\s)\s*")


def _quantities(row):
    """“4 times; 4 people” (or “4 times × 4 people”) as [{"count": "4", "unit": "times"}, …]."""
    text = row.text("quantities")
    if not text:
        return []
    parts = []
    for piece in QUANTITY_SEPARATORS.split(text):
        count, _sep, unit = piece.strip().partition(" ")
        try:
            value = Decimal(count.replace(",", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            row.error(
                "quantities",
                _(
                    "“%(value)s” is not a quantity; write a count, 0 or more, and a unit, "
                    "several separated by “;”, e.g. 4 times; 4 people."
                )
                % {"value": piece},
            )
            return []
        parts.append({"count": f"{value.normalize():f}", "unit": unit.strip()})
    return parts


def plan_costs(*, actor, table: Table, progress: Callable | None = None) -> Plan:
    errors: list[RowError] = []
    rows = _rows(table, COST_COLUMNS, errors)
    info = access.actor_for(actor)
    facilitators = info.orgs_of_kind("facilitator", writable=True)
    programme_ids, programme_titles = _ids_and_names(rows, "programme")
    programmes = _Lookup(
        Programme.objects.filter(facilitator_id__in=facilitators).filter(
            Q(title__in=programme_titles) | Q(pk__in=programme_ids)
        ),
        lambda p: p.title,
    )
    pilot_ids, pilot_titles = _ids_and_names(rows, "pilot")
    pilots = _Lookup(
        Pilot.objects.filter(pk__in=editable_pilot_ids(info))
        .filter(Q(title__in=pilot_titles) | Q(pk__in=pilot_ids))
        .select_related("programme", "supplier"),
        lambda p: p.title,
    )
    phases = {
        (phase.pilot_id, phase.number): phase
        for phase in Phase.objects.filter(pilot_id__in=list(pilots.by_id))
    }
    bearers: dict[tuple, set[int]] = {}
    rates: dict[int, money.RateTable] = {}
    org_ids, org_names = _ids_and_names(rows, "borne_by")
    organisations = _Lookup(
        access.scope(actor, Organisation.objects.all()).filter(
            Q(name__in=org_names) | Q(pk__in=org_ids)
        ),
        lambda o: o.name,
    )
    codes = {row.text("currency").upper() for row in rows}
    currencies = {c.code: c for c in Currency.objects.filter(code__in=codes - {""})}
    # Translated once, not once per row.
    messages = [
        _("No pilot you may record costs for is titled “%(value)s”."),
        _("Several pilots are titled “%(value)s”; write its id instead."),
        _("No programme you may record costs for is titled “%(value)s”."),
        _("Several programmes are titled “%(value)s”; write its id instead."),
        _("Name the pilot, or the programme for a cost of the whole programme."),
        _("A phase belongs to a pilot; name the pilot too."),
        _("Pilot “%(pilot)s” has no phase %(value)s; give the phase's number."),
        _("No organisation is named “%(value)s”."),
        _("Several organisations are named “%(value)s”; write its id instead."),
        _("Unknown currency “%(value)s”; use an ISO 4217 code, e.g. USD or CNY."),
    ]

    def plan_row(row):
        for column in COST_REQUIRED:
            if not row.text(column) and column != "on_date":
                row.required(column)
        pilot = _find(
            row,
            "pilot",
            pilots,
            messages[0],
            messages[1],
        )
        programme = _find(
            row,
            "programme",
            programmes,
            messages[2],
            messages[3],
        )
        if programme is None and pilot is not None:
            programme = pilot.programme
        if programme is None and pilot is None and row.ok:
            row.error(
                "programme",
                messages[4],
            )
        phase = None
        phase_text = row.text("phase")
        if phase_text:
            if pilot is None:
                if row.text("pilot") == "":
                    row.error("phase", messages[5])
            elif not phase_text.isdigit() or (pilot.pk, int(phase_text)) not in phases:
                row.error(
                    "phase",
                    messages[6] % {"pilot": pilot.title, "value": phase_text},
                )
            else:
                phase = phases[(pilot.pk, int(phase_text))]
        borne_by = _find(
            row,
            "borne_by",
            organisations,
            messages[7],
            messages[8],
        )
        currency = None
        code = row.text("currency")
        if code:
            currency = currencies.get(code.upper())
            if currency is None:
                row.error(
                    "currency",
                    messages[9] % {"value": code},
                )
        item = CostItem(
            programme=programme,
            pilot=pilot,
            phase=phase,
            borne_by=borne_by,
            nature=row.choice("nature", CostNature),
            category=row.choice("category", CostCategory),
            description=row.text("description"),
            unit_amount=row.decimal("unit_amount", not_negative=True),
            quantity_parts=_quantities(row),
            amount=row.decimal("amount", not_negative=True),
            currency=currency,
            pinned_rate=row.decimal("pinned_rate", not_negative=True),
            on_date=row.day("on_date", required=True),
            certainty=row.choice("certainty", Certainty, default=Certainty.ACTUAL),
            person_days=row.decimal("person_days", not_negative=True),
            fte_low=row.decimal("fte_low", not_negative=True),
            fte_high=row.decimal("fte_high", not_negative=True),
            stated_usd=row.decimal("stated_usd", not_negative=True),
            source=row.text("source"),
            excluded_reason=row.text("excluded_reason"),
            entered_by=actor,
        )
        _check_model(
            row,
            _COST_FIELD_COLUMNS,
            item.clean,  # may fill the amount from the quantities
            lambda: item.clean_fields(
                exclude=["programme", "pilot", "phase", "borne_by", "currency", "entered_by"]
            ),
        )
        if row.ok and programme is not None:
            _check_as_the_service(row, item, programme, pilot, bearers, rates)
        return item

    planned = _planned(rows, errors, progress, plan_row)
    return Plan(kind=ImportJob.Kind.COSTS, objects=planned, reviewers=[])


def _check_as_the_service(row, item, programme, pilot, bearers, rates):
    """What `services.cost_item_save` checks beyond the model: the bearer is one of the
    pilot's or programme's organisations, and the amount has a USD value. Bearers and rates
    are read once per pilot and per facilitator, not per row."""
    key = (programme.pk, pilot.pk if pilot else None)
    if key not in bearers:
        bearers[key] = cost_bearer_ids(programme, pilot)
    if item.borne_by_id not in bearers[key]:
        row.error(
            "borne_by",
            _("Name the facilitator, a sponsor, or an organisation of the pilot."),
        )
    if programme.facilitator_id not in rates:
        rates[programme.facilitator_id] = money.RateTable([programme.facilitator_id])
    _converted, missing = money.try_convert(
        item, rates[programme.facilitator_id], programme.facilitator_id
    )
    if missing:
        row.error("currency", missing)


# --- the whole import ----------------------------------------------------------------------------

PLANNERS = {ImportJob.Kind.OBSERVATIONS: plan_observations, ImportJob.Kind.COSTS: plan_costs}
COLUMNS = {ImportJob.Kind.OBSERVATIONS: OBSERVATION_COLUMNS, ImportJob.Kind.COSTS: COST_COLUMNS}


def plan_import(*, actor, kind, table: Table, progress: Callable | None = None) -> Plan:
    if kind == ImportJob.Kind.COSTS and not access.actor_for(actor).is_facilitator_editor:
        _refuse(_("Only facilitators import cost items."))
    return PLANNERS[kind](actor=actor, table=table, progress=progress)


@transaction.atomic
def write_plan(*, actor, plan: Plan) -> int:
    """Write a checked plan: every row or, on any failure, none."""
    if plan.kind == ImportJob.Kind.OBSERVATIONS:
        _write_observations(actor, plan)
    else:
        CostItem.objects.bulk_create(plan.objects, batch_size=BATCH_SIZE)
    return len(plan.objects)


def import_file(*, actor, kind, data: bytes, is_xlsx: bool, progress=None) -> int:
    """Read, check and write a file; the number of rows written, or ImportRefused."""
    table = read_table(data, is_xlsx)
    plan = plan_import(actor=actor, kind=kind, table=table, progress=progress)
    return write_plan(actor=actor, plan=plan)
