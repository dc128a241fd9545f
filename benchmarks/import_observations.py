"""Time an import of 100,000 KPI observations (not a test): reading the CSV, checking every
row and writing them, as the background job does, and print rows per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csr_bench \
        .venv/bin/python benchmarks/import_observations.py [rows] [--as-supplier]

The database is migrated and given a facilitator, a supplier with a facility, a pilot and an
indicator (once); the imported observations are deleted again at the end.
"""

import csv
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from csrplatform.accounts.models import Role  # noqa: E402
from metrics import imports, services  # noqa: E402
from metrics.models import Indicator, Observation  # noqa: E402
from pilots import services as pilot_services  # noqa: E402
from pilots.models import Pilot, Programme  # noqa: E402
from tests.factories import (  # noqa: E402
    FacilityFactory,
    OrganisationFactory,
    SupplierFactory,
    member,
)


def world():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if not users.filter(email="bench-facilitator@example.org").exists():
        facilitator_org = OrganisationFactory(name="Bench facilitator", kind="facilitator")
        facilitator = member(facilitator_org, Role.ADMIN, email="bench-facilitator@example.org")
        supplier = SupplierFactory(organisation__name="Bench supplier")
        member(supplier.organisation, Role.EDITOR, email="bench-supplier@example.org")
        FacilityFactory(supplier=supplier, name="Bench plant")
        programme = pilot_services.programme_save(
            actor=facilitator, title="Bench programme", facilitator=facilitator_org
        )
        pilot_services.pilot_create(
            actor=facilitator,
            programme=programme,
            supplier=supplier,
            title="Bench pilot",
            pilot_type="worker_training",
            approach="customised_project",
            participants=[],
        )
        services.indicator_save(
            actor=facilitator, name="Bench injuries", unit="injuries", better="lower"
        )
    assert Programme.objects.filter(title="Bench programme").exists()
    assert Pilot.objects.filter(title="Bench pilot").exists()
    assert Indicator.objects.filter(name="Bench injuries").exists()
    return (
        users.get(email="bench-facilitator@example.org"),
        users.get(email="bench-supplier@example.org"),
    )


def csv_bytes(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(imports.OBSERVATION_COLUMNS)
    for number in range(rows):
        month = number % 12 + 1
        writer.writerow(
            [
                "Bench injuries",
                "Bench supplier",
                "Bench plant",
                "Bench pilot",
                f"2020-{month:02d}-01",
                f"2020-{month:02d}-28",
                str(number % 500),
                "",
                "actual",
                "self_reported",
                "",
                "",
                "",
            ]
        )
    return buffer.getvalue().encode()


def main():
    rows = int(next((a for a in sys.argv[1:] if a.isdigit()), "100000"))
    call_command("migrate", verbosity=0)
    facilitator, supplier = world()
    actor = supplier if "--as-supplier" in sys.argv else facilitator
    data = csv_bytes(rows)
    before = Observation.objects.count()
    started = time.perf_counter()
    table = imports.read_table(data, is_xlsx=False)
    read = time.perf_counter()
    plan = imports.plan_import(actor=actor, kind="observations", table=table)
    checked = time.perf_counter()
    saved = imports.write_plan(actor=actor, plan=plan)
    written = time.perf_counter()
    assert saved == rows
    assert Observation.objects.count() == before + rows
    total = written - started
    print(
        f"{rows:,} observations as {actor.email}: read {read - started:.1f} s, "
        f"checked {checked - read:.1f} s, written {written - checked:.1f} s; "
        f"total {total:.1f} s = {rows / total:,.0f} rows/s"
    )
    from csrplatform.reviews.models import Review

    new = Observation.objects.filter(pk__in=[o.pk for o in plan.objects])
    Review.objects.filter(object_id__in=new.values("pk"), kind="figure_confirmation").delete()
    new.delete()


if __name__ == "__main__":
    main()
