"""Import findings and their corrective actions into an audit from a CSV or XLSX file.

All rows or none: the whole file is read and every row checked first, in memory against
lookups fetched once per file (with the models' own field rules), and each problem is kept as
(row as numbered in the file, column, what to do about it). Only a file without a single
problem is written, with bulk inserts (and their history records) in one transaction, so the
number of queries does not grow with the rows. Large files run as a background job
(`metrics.models.ImportJob`, the figures import's job and page).
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from csrplatform import access
from csrplatform import imports as reading
from csrplatform.imports import ImportRefused, RowError
from csrplatform.imports import Table as _Table
from csrplatform.imports import parse_date as _parse_due_date
from csrplatform.imports import text as _text
from csrplatform.services import require
from csrplatform.text import shorten

from .choices import Severity
from .models import Audit, Clause, CorrectiveAction, Finding, Standard

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
SEVERITIES = frozenset(Severity.values)  # computed once: the enum builds the list at each call

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
# Rows are counted as the file numbers them, blank ones included: a file that goes on past this
# row is refused there, without reading the rest (a workbook can declare a million empty rows
# in a few bytes).
MAX_ROW_NUMBER = MAX_ROWS + 10_000
# A workbook is a ZIP archive: its directory is checked before anything is unpacked. 100,000
# rows of 10 text columns unpack to 50 to 150 MB; a "zip bomb" of a few hundred KB to gigabytes.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000
# Real workbooks shrink 2 to 20 times when packed; a part larger than 1 MB that shrank more than
# this was made to unpack into something big.
MAX_XLSX_RATIO = 100
# Reading a workbook takes time in proportion to its XML elements (cells, strings, rows), not to
# its bytes (“<” counted in every part): 100,000 rows of 10 cells, every text different, hold
# about 8 million.
MAX_XLSX_TAGS = 10_000_000
# Cells right of this column are never read, so a cell placed at column XFD cannot make every
# row 16,384 cells wide in memory.
MAX_XLSX_COLUMNS = 50
# Files with more rows than this run as a background job with progress.
SYNC_ROWS = 2000
# An XLSX file larger than this counts as large without reading it.
SYNC_XLSX_BYTES = 200 * 1024
PROGRESS_EVERY = 5000
# Rows a statement writes at most where COPY is not used.
BATCH_SIZE = 2000


@dataclass
class ImportResult:
    findings: int
    actions: int


@dataclass
class _PlannedFinding:
    ref: str
    row: int
    finding: Finding
    clauses: list
    actions: list[CorrectiveAction] = field(default_factory=list)


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


def upload_bytes(upload) -> tuple[bytes, bool]:
    """The upload's bytes and whether it is a workbook, or ImportRefused if it is not a file
    we read (its name, size and type are checked before anything is parsed)."""
    return reading.upload_bytes(upload, _limits())


def table_of(data: bytes, is_xlsx: bool) -> _Table:
    return reading.read_table(data, is_xlsx, _limits())


def read_table(upload) -> _Table:
    """The upload's header and rows, or ImportRefused if it is not a file we can read."""
    return table_of(*upload_bytes(upload))


def looks_large(data: bytes, is_xlsx: bool) -> bool:
    """Whether the file is better imported in the background (a cheap estimate)."""
    if is_xlsx:
        return len(data) > SYNC_XLSX_BYTES
    return data.count(b"\n") > SYNC_ROWS + 1


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
        if severity in SEVERITIES:
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


def plan_import(
    *, audit: Audit, table: _Table, progress: Callable | None = None
) -> list[_PlannedFinding]:
    """Check every row; the findings and actions to create, or ImportRefused with every problem.
    `progress(rows checked)` is called every PROGRESS_EVERY rows and at the end."""
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
    for count, (number, values) in enumerate(raw_rows, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
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
        planned = findings.get(ref)
        if planned is None:
            finding = Finding(
                audit=audit,
                severity=row["severity"],
                description=row["description"],
                evidence=row["evidence"],
                root_cause=row["root_cause"],
            )
            errors.extend(_model_errors(number, finding, exclude=["audit"]))
            planned = findings[ref] = _PlannedFinding(
                ref=ref, row=number, finding=finding, clauses=row["clauses"]
            )
        action = CorrectiveAction(
            finding=planned.finding,
            action=row["action"],
            preventive_action=row["preventive_action"],
            owner=row["owner"],
            due_date=row["due_date"],
        )
        errors.extend(_model_errors(number, action, exclude=["finding", "owner"]))
        planned.actions.append(action)
    if errors:
        raise ImportRefused(errors)
    if progress:
        progress(len(raw_rows))
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

# Model field names the models may complain about, as the file names them.
_FIELD_COLUMNS = {"owner": "owner_email", "__all__": ""}


def _model_errors(row: int, instance, *, exclude) -> list[RowError]:
    """The model's own field rules (what the services' full_clean checks), as row errors."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return [
            RowError(row, _FIELD_COLUMNS.get(name, name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _check_may_write(actor, audit: Audit) -> None:
    """What `services.finding_save` and `services.action_create` require, checked once."""
    require(
        access.can_edit(actor, audit),
        _("Only facilitators, or the NGO or consultant that made the assessment, record findings."),
    )
    info = access.actor_for(actor)
    require(
        info.is_facilitator_editor
        or audit.facility.supplier.organisation_id in info.writable_org_ids
    )


@transaction.atomic
def write_plan(*, actor, audit: Audit, plan: list[_PlannedFinding]) -> ImportResult:
    """Write checked findings, their clauses and corrective actions, each with the history
    record a service's save would leave (naming `actor`): every row or, on any failure, none."""
    _check_may_write(actor, audit)
    now = timezone.now()
    findings = [planned.finding for planned in plan]
    _insert(Finding, findings)
    records = _record_creation(Finding, findings, actor=actor, when=now)
    through = Finding.clauses.through
    links = [
        through(finding_id=planned.finding.pk, clause_id=clause.pk)
        for planned in plan
        for clause in planned.clauses
    ]
    _insert(through, links)
    _clauses_into_history(links, records)
    actions = [action for planned in plan for action in planned.actions]
    for action in actions:
        action.finding_id = action.finding.pk  # the finding had no id when the row was read
    _insert(CorrectiveAction, actions)
    _record_creation(CorrectiveAction, actions, actor=actor, when=now)
    return ImportResult(findings=len(findings), actions=len(actions))


# On PostgreSQL rows go in with COPY and their history is copied inside the database: Django's
# bulk_create, and simple-history's bulk_create_with_history, spend most of their time building
# and preparing a Python object per row, which at 100,000 rows was most of an import's time.
# Elsewhere (SQLite, the embedded mode) the ORM's bulk writes do the same.


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _insert(model, objects: list) -> None:
    """Insert new, checked `objects`, giving each its id."""
    if not objects:
        return
    if not _postgres():
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
            table=sql.Identifier(meta.db_table),
            columns=sql.SQL(", ").join(sql.Identifier(field.column) for field in fields),
        )
        # The values a save would write (pre_save fills auto_now fields); text, numbers, dates
        # and ids, which psycopg writes as they are.
        with cursor.cursor.copy(statement) as copy:
            for obj in objects:
                copy.write_row([field.pre_save(obj, True) for field in fields])
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias


def _record_creation(model, objects: list, *, actor, when) -> dict[int, int]:
    """The “+” history record of each new row, naming `actor`, as a service's save leaves it;
    outside PostgreSQL, {row id: its record's id}."""
    if not objects or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return {}
    if not _postgres():
        records = model.history.bulk_history_create(
            objects, batch_size=BATCH_SIZE, default_user=actor, default_date=when
        )
        return {record.id: record.pk for record in records}
    history = model.history.model
    tracked = [sql.Identifier(field.column) for field in history.tracked_fields]
    statement = sql.SQL(
        "INSERT INTO {history} ({tracked}, history_date, history_change_reason, history_type, "
        "history_user_id) SELECT {tracked}, %s, NULL, '+', %s FROM {table} WHERE {pk} = ANY(%s)"
    ).format(
        history=sql.Identifier(history._meta.db_table),
        tracked=sql.SQL(", ").join(tracked),
        table=sql.Identifier(model._meta.db_table),
        pk=sql.Identifier(model._meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [when, actor.pk, [obj.pk for obj in objects]])
    return {}


def _clauses_into_history(links: list, records: dict[int, int]) -> None:
    """Put the clauses of new findings on their “+” history records, as simple-history's m2m
    tracking does when a finding's clauses are set."""
    if not links or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    clause_history = apps.get_model("audits", "HistoricalFinding_clauses")
    if not _postgres():
        clause_history.objects.bulk_create(
            [
                clause_history(
                    id=link.pk,
                    history_id=records[link.finding_id],
                    finding_id=link.finding_id,
                    clause_id=link.clause_id,
                )
                for link in links
            ],
            batch_size=BATCH_SIZE,
        )
        return
    statement = sql.SQL(
        "INSERT INTO {history_clauses} (id, finding_id, clause_id, history_id) "
        "SELECT link.id, link.finding_id, link.clause_id, record.history_id "
        "FROM {links} link JOIN {history} record "
        "ON record.id = link.finding_id AND record.history_type = '+' "
        "WHERE link.id = ANY(%s)"
    ).format(
        history_clauses=sql.Identifier(clause_history._meta.db_table),
        links=sql.Identifier(Finding.clauses.through._meta.db_table),
        history=sql.Identifier(Finding.history.model._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [[link.pk for link in links]])


def findings_import(*, actor, audit: Audit, upload) -> ImportResult:
    """Import a file's findings and corrective actions into `audit`: all of them or none."""
    data, is_xlsx = upload_bytes(upload)
    return import_data(actor=actor, audit=audit, data=data, is_xlsx=is_xlsx)


def import_data(*, actor, audit: Audit, data: bytes, is_xlsx: bool, progress=None) -> ImportResult:
    """Read, check and write a file; what was written, or ImportRefused."""
    plan = plan_import(audit=audit, table=table_of(data, is_xlsx), progress=progress)
    return write_plan(actor=actor, audit=audit, plan=plan)
