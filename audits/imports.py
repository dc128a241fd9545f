"""Import findings and their corrective actions into an audit from a CSV or XLSX file.

All rows or none: the whole file is read and every row checked first, and each problem is
kept as (row as numbered in the file, column, what to do about it). Only a file without a
single problem is written, through the services, in one transaction.
"""

import sys
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from csrplatform import imports as reading
from csrplatform.imports import ImportRefused, RowError
from csrplatform.imports import Table as _Table
from csrplatform.imports import parse_date as _parse_due_date
from csrplatform.imports import text as _text
from csrplatform.text import shorten

from . import services
from .choices import Severity
from .models import Audit, Clause, Standard

COLUMNS = (
    "finding_ref",
    "severity",
    "clauses",
    "description",
    "evidence",
    "root_cause",
    "action",
    "preventive_action",
    "owner_email",
    "due_date",
)
REQUIRED_VALUES = ("finding_ref", "severity", "clauses", "description", "action", "due_date")
# Columns that describe the finding: every row of one finding_ref repeats them unchanged.
FINDING_COLUMNS = ("severity", "clauses", "description", "evidence", "root_cause")

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Rows are counted as the file numbers them, blank ones included: a file that goes on past this
# row is refused there, without reading the rest (a workbook can declare a million empty rows
# in a few bytes).
MAX_ROW_NUMBER = 2 * MAX_ROWS
# A workbook is a ZIP archive: its directory is checked before anything is unpacked. 5,000 rows
# of 10 text columns unpack to about 6 MB; a "zip bomb" of a few hundred KB to gigabytes.
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000
# Real workbooks shrink 2 to 20 times when packed; a part larger than 1 MB that shrank more than
# this was made to unpack into something big.
MAX_XLSX_RATIO = 100
# Reading a workbook takes time in proportion to its XML elements (cells, strings, rows), not to
# its bytes: 5,000 rows of 10 cells take about 300,000 tags and 2 seconds; this is ~3 times that.
MAX_XLSX_TAGS = 1_000_000
# Cells right of this column are never read, so a cell placed at column XFD cannot make every
# row 16,384 cells wide in memory.
MAX_XLSX_COLUMNS = 50


@dataclass
class ImportResult:
    findings: int
    actions: int


@dataclass
class _PlannedAction:
    row: int
    action: str
    preventive_action: str
    owner: object
    due_date: date


@dataclass
class _PlannedFinding:
    ref: str
    row: int
    severity: str
    description: str
    evidence: str
    root_cause: str
    clauses: list
    actions: list = field(default_factory=list)


# --- reading the file ----------------------------------------------------------------------------


def _limits() -> reading.Limits:
    """This import's limits, read from the module when a file comes (tests lower them)."""
    return reading.limits_from(
        sys.modules[__name__],
        past_last_row=_(
            "The file goes on past row %(limit)s (empty rows count too); delete the rows "
            "below your findings, or split it into several files."
        ),
        too_big=_(
            "The workbook is too big to import: it unpacks to more than %(limit)d MB, while "
            "%(rows)s rows of findings need far less. Keep only the findings sheet (save a copy "
            "without the other sheets, pictures and formatting), or split it into several files."
        )
        % {"limit": MAX_XLSX_UNPACKED_BYTES // 1_048_576, "rows": f"{MAX_ROWS:,}"},
    )


def read_table(upload) -> _Table:
    """The upload's header and rows, or ImportRefused if it is not a file we can read."""
    limits = _limits()
    data, is_xlsx = reading.upload_bytes(upload, limits)
    return reading.read_table(data, is_xlsx, limits)


# --- checking every row --------------------------------------------------------------------------


def _check_header(table: _Table) -> dict[str, int]:
    return reading.check_header(table, COLUMNS)


def _parse_clause_refs(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    refs, bad = [], []
    for piece in text.split(";"):
        piece = piece.strip()
        if not piece:
            continue
        code, sep, reference = piece.partition(":")
        if not sep or not code.strip() or not reference.strip():
            bad.append(piece)
        else:
            refs.append((code.strip(), reference.strip()))
    return refs, bad


class _ClauseLookup:
    """Clauses by “CODE:REFERENCE”, exact first, then ignoring case when that is unambiguous."""

    def __init__(self, codes: set[str]):
        lowered = {code.lower() for code in codes}
        standards = Standard.objects.annotate(lower_code=Lower("code")).filter(
            lower_code__in=lowered
        )
        self.codes = {standard.code.lower() for standard in standards}
        self.exact, self.folded = {}, {}
        for clause in Clause.objects.filter(standard__in=standards).select_related("standard"):
            key = (clause.standard.code, clause.reference)
            self.exact[key] = clause
            folded = (key[0].lower(), key[1].lower())
            self.folded.setdefault(folded, []).append(clause)

    def find(self, code: str, reference: str):
        if (code, reference) in self.exact:
            return self.exact[(code, reference)]
        matches = self.folded.get((code.lower(), reference.lower()), [])
        return matches[0] if len(matches) == 1 else None


def _supplier_members(audit: Audit) -> dict:
    user_model = get_user_model()
    members = user_model.objects.filter(
        memberships__organisation_id=audit.facility.supplier.organisation_id, is_active=True
    )
    return {user.email.lower(): user for user in members}


def _check_row(number, values, *, clause_lookup, members, supplier_name, errors):
    """The row's values, parsed; each problem goes to `errors` (and its value is None)."""

    def error(column, message):
        errors.append(RowError(number, column, message))

    parsed = dict(values)
    parsed.update({"raw_" + column: _text(values[column]) for column in FINDING_COLUMNS})
    for column in REQUIRED_VALUES:
        if values[column] in (None, ""):
            error(column, _("Fill in %(column)s; it is required.") % {"column": column})
            parsed[column] = None
    parsed["action_key"] = " ".join(values["action"].split()).casefold()

    if values["severity"]:
        severity = values["severity"].lower()
        if severity in Severity.values:
            parsed["severity"] = severity
        else:
            parsed["severity"] = None
            error(
                "severity",
                _("Unknown severity “%(value)s”; use critical, major or minor.")
                % {"value": values["severity"]},
            )

    if values["clauses"]:
        refs, bad = _parse_clause_refs(values["clauses"])
        clauses = []
        for piece in bad:
            error(
                "clauses",
                _(
                    "“%(value)s” is not a clause; write STANDARDCODE:REFERENCE, "
                    "several separated by “;”, e.g. eicc:A.3; sa8000:7."
                )
                % {"value": piece},
            )
        for code, reference in refs:
            clause = clause_lookup.find(code, reference)
            if clause is not None:
                clauses.append(clause)
            elif code.lower() not in clause_lookup.codes:
                error(
                    "clauses",
                    _("No standard has the code “%(code)s”; check the standard's code.")
                    % {"code": code},
                )
            else:
                error(
                    "clauses",
                    _("Standard “%(code)s” has no clause “%(reference)s”.")
                    % {"code": code, "reference": reference},
                )
        if not refs and not bad:
            error("clauses", _("Name at least one clause, e.g. eicc:A.3."))
        complete = clauses and not bad and len(clauses) == len(refs)
        parsed["clauses"] = sorted(set(clauses), key=lambda c: c.pk) if complete else None

    if values["due_date"] not in (None, ""):
        try:
            parsed["due_date"] = _parse_due_date(values["due_date"])
        except ValueError as exc:
            parsed["due_date"] = None
            error("due_date", str(exc))

    email = values["owner_email"]
    parsed["owner"] = None
    if email:
        owner = members.get(email.lower())
        if owner is None:
            error(
                "owner_email",
                _(
                    "No member of %(supplier)s has the e-mail address “%(email)s”; "
                    "use a member's address or leave it empty."
                )
                % {"supplier": supplier_name, "email": email},
            )
        parsed["owner"] = owner
    return parsed


def _row_values(number, cells, positions, header, errors) -> dict:
    values = {}
    for name, index in positions.items():
        if name in COLUMNS:
            cell = cells[index] if index < len(cells) else None
            values[name] = cell if name == "due_date" and isinstance(cell, date) else _text(cell)
    for index, cell in enumerate(cells):
        named = index < len(header) and header[index]
        if not named and _text(cell):
            errors.append(reading.unnamed_cell_error(number, index))
    return values


def plan_import(*, audit: Audit, table: _Table) -> list[_PlannedFinding]:
    """Check every row; the findings and actions to create, or ImportRefused with every problem."""
    positions = _check_header(table)
    errors: list[RowError] = []
    raw_rows = [
        (number, _row_values(number, cells, positions, table.header, errors))
        for number, cells in table.rows
    ]
    codes = set()
    for _number, values in raw_rows:
        refs, _bad = _parse_clause_refs(values["clauses"])
        codes.update(code for code, _reference in refs)
    clause_lookup = _ClauseLookup(codes)
    members = _supplier_members(audit)
    supplier_name = audit.facility.supplier.organisation.name

    findings: dict[str, _PlannedFinding] = {}
    first_rows: dict[str, tuple[int, dict]] = {}
    seen_actions: dict[tuple[str, str], int] = {}
    for number, values in raw_rows:
        row = _check_row(
            number,
            values,
            clause_lookup=clause_lookup,
            members=members,
            supplier_name=supplier_name,
            errors=errors,
        )
        ref = row["finding_ref"]
        if not ref:
            continue
        if ref not in first_rows:
            first_rows[ref] = (number, row)
        else:
            _check_same_finding(ref, number, row, *first_rows[ref], errors)
        if row["action"]:
            key = (ref, row["action_key"])
            if key in seen_actions:
                errors.append(
                    RowError(
                        number,
                        "action",
                        _(
                            "Row %(row)d already has this action for finding “%(ref)s”; "
                            "delete the repeated row."
                        )
                        % {"row": seen_actions[key], "ref": ref},
                    )
                )
                continue
            seen_actions[key] = number
        if errors:
            continue  # nothing will be created; only keep looking for problems
        finding = findings.get(ref)
        if finding is None:
            finding = findings[ref] = _PlannedFinding(
                ref=ref,
                row=number,
                severity=row["severity"],
                description=row["description"],
                evidence=row["evidence"],
                root_cause=row["root_cause"],
                clauses=row["clauses"],
            )
        finding.actions.append(
            _PlannedAction(
                row=number,
                action=row["action"],
                preventive_action=row["preventive_action"],
                owner=row["owner"],
                due_date=row["due_date"],
            )
        )
    if errors:
        raise ImportRefused(errors)
    return list(findings.values())


def _check_same_finding(ref, number, row, first_number, first, errors):
    for column in FINDING_COLUMNS:
        mine, theirs = row[column], first[column]
        if mine is None or theirs is None:
            continue  # already reported as a problem of its own
        if column == "clauses":
            mine, theirs = {c.pk for c in mine}, {c.pk for c in theirs}
        if mine != theirs:
            shown = first["raw_" + column]
            errors.append(
                RowError(
                    number,
                    column,
                    _(
                        "Row %(first)d of finding “%(ref)s” says “%(value)s”; "
                        "every row of one finding repeats its %(column)s unchanged."
                    )
                    % {
                        "first": first_number,
                        "ref": ref,
                        "column": column,
                        "value": shorten(shown, 80),
                    },
                )
            )


# --- writing -------------------------------------------------------------------------------------

# Model field names a service may complain about, as the file names them.
_FIELD_COLUMNS = {"owner": "owner_email", "__all__": ""}


def _service_errors(row: int, exc: ValidationError) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(row, _FIELD_COLUMNS.get(name, name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowError(row, "", message) for message in exc.messages]


def findings_import(*, actor, audit: Audit, upload) -> ImportResult:
    """Import a file's findings and corrective actions into `audit`: all of them or none."""
    plan = plan_import(audit=audit, table=read_table(upload))
    actions = 0
    with transaction.atomic():
        for planned in plan:
            row = planned.row
            try:
                finding = services.finding_save(
                    actor=actor,
                    audit=audit,
                    severity=planned.severity,
                    description=planned.description,
                    evidence=planned.evidence,
                    root_cause=planned.root_cause,
                    clauses=planned.clauses,
                )
                for planned_action in planned.actions:
                    row = planned_action.row
                    services.action_create(
                        actor=actor,
                        finding=finding,
                        action=planned_action.action,
                        preventive_action=planned_action.preventive_action,
                        owner=planned_action.owner,
                        due_date=planned_action.due_date,
                    )
                    actions += 1
            except ValidationError as exc:
                # Raising out of the atomic block rolls back every row written so far.
                raise ImportRefused(_service_errors(row, exc)) from exc
    return ImportResult(findings=len(plan), actions=actions)
