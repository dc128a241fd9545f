"""Time an import of 100,000 findings, each with a corrective action (not a test): reading the
CSV, checking every row and writing them, as the background job does, and print rows per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csr_bench \
        .venv/bin/python benchmarks/import_findings.py [rows] [--xlsx]

The database is migrated and given the bench world of import_observations.py, a standard with
clauses and an audit (once); the imported findings, actions and their history are deleted again
at the end.
"""

import csv
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from psycopg import sql  # noqa: E402

from audits import imports, services  # noqa: E402
from audits.models import Audit, CorrectiveAction, Finding, Standard  # noqa: E402
from benchmarks.import_observations import world  # noqa: E402
from suppliers.models import Facility  # noqa: E402

CLAUSES = 20


def audit_of(facilitator) -> Audit:
    standard = Standard.objects.filter(code="BENCH").first()
    if standard is None:
        standard = services.standard_save(
            actor=facilitator, code="BENCH", name="Bench standard", issuer="Bench", version="1"
        )
        for number in range(1, CLAUSES + 1):
            services.clause_save(
                actor=facilitator,
                standard=standard,
                reference=str(number),
                title=f"Clause {number}",
            )
    facility = Facility.objects.get(
        name="Bench plant", supplier__organisation__name="Bench supplier"
    )
    audit = Audit.objects.filter(facility=facility, audit_firm="Bench import").first()
    if audit is None:
        audit = services.audit_save(
            actor=facilitator,
            facility=facility,
            audit_firm="Bench import",
            kind=Audit._meta.get_field("kind").choices[0][0],
            standard=standard,
            start_date=date(2026, 1, 5),
        )
    return audit


def rows_of(rows: int) -> list[list]:
    table = []
    for number in range(rows):
        clauses = f"BENCH:{number % CLAUSES + 1}"
        if number % 3 == 0:
            clauses += f"; BENCH:{(number + 7) % CLAUSES + 1}"
        table.append(
            [
                f"F{number}",
                ("critical", "major", "minor")[number % 3],
                clauses,
                f"Overtime above 60 hours a week on line {number} in the peak season",
                f"Time records of March, sheet {number}; worker interviews",
                "Production planning ignores the capacity of the lines",
                f"Plan production within legal working hours on line {number}",
                "Management reviews working hours every month",
                "bench-supplier@example.org" if number % 4 == 0 else "",
                f"2027-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
            ]
        )
    return table


def csv_bytes(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(imports.COLUMNS)
    writer.writerows(rows_of(rows))
    return buffer.getvalue().encode()


def xlsx_bytes(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(imports.COLUMNS))
    for row in rows_of(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def delete_imported(audit: Audit) -> None:
    """Raw deletes: the ORM's would write a history record for each deleted row."""
    findings = sql.SQL("SELECT id FROM {} WHERE audit_id = %s").format(
        sql.Identifier(Finding._meta.db_table)
    )
    clause_history = apps.get_model("audits", "HistoricalFinding_clauses")
    by_finding = (
        clause_history,
        Finding.clauses.through,
        CorrectiveAction.history.model,
        CorrectiveAction,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for model in by_finding:
            statement = sql.SQL("DELETE FROM {} WHERE finding_id IN ({})").format(
                sql.Identifier(model._meta.db_table), findings
            )
            cursor.execute(statement, [audit.pk])
        for model in (Finding.history.model, Finding):
            statement = sql.SQL("DELETE FROM {} WHERE audit_id = %s").format(
                sql.Identifier(model._meta.db_table)
            )
            cursor.execute(statement, [audit.pk])


def main():
    rows = int(next((a for a in sys.argv[1:] if a.isdigit()), "100000"))
    is_xlsx = "--xlsx" in sys.argv
    call_command("migrate", verbosity=0)
    facilitator, _supplier = world()
    audit = audit_of(facilitator)
    delete_imported(audit)  # what an interrupted run left
    data = xlsx_bytes(rows) if is_xlsx else csv_bytes(rows)
    started = time.perf_counter()
    table = imports.table_of(data, is_xlsx)
    read = time.perf_counter()
    plan = imports.plan_import(audit=audit, table=table)
    checked = time.perf_counter()
    result = imports.write_plan(actor=facilitator, audit=audit, plan=plan)
    written = time.perf_counter()
    assert (result.findings, result.actions) == (rows, rows)
    assert CorrectiveAction.objects.filter(finding__audit=audit).count() == rows
    total = written - started
    print(
        f"{rows:,} findings with their actions ({'XLSX' if is_xlsx else 'CSV'}, "
        f"{len(data) / 1_048_576:.1f} MB): read {read - started:.1f} s, "
        f"checked {checked - read:.1f} s, written {written - checked:.1f} s; "
        f"total {total:.1f} s = {rows / total:,.0f} rows/s"
    )
    delete_imported(audit)


if __name__ == "__main__":
    main()
