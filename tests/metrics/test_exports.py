"""Every table of the metrics pages downloads as CSV and XLSX with the figures the page shows,
stated and difference columns included."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from csrplatform import access
from csrplatform.lists import copies_csv
from metrics import exports, services
from metrics.api.views import ObservationViewSet
from metrics.models import CostItem, Observation
from pilots.models import Pilot
from suppliers.models import Facility


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def workbook(response):
    return load_workbook(io.BytesIO(response.content), read_only=True)


def url(name, pk, query=""):
    return reverse(f"metrics:{name}", args=[pk]) + query


def test_hard_costs_as_csv_match_the_page(page_client, figures, pilots):
    response = page_client("facilitator").get(
        url("pilot-costs", pilots.pilot_x.pk, "?export=csv&table=hard_costs")
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"pilot-{pilots.pilot_x.pk}-costs-hard_costs.csv" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    column = {title: index for index, title in enumerate(header)}
    assert [row[column["USD"]] for row in rows] == ["685", "3426", "3426", "285", "285"]
    assert [row[column["USD as stated"]] for row in rows] == ["685", "3426", "3426", "285", "285"]
    assert {row[column["Difference (USD)"]] for row in rows} == {"0"}
    assert rows[0][column["Quantity"]] == "300 × 4 times × 4 people"
    assert rows[0][column["Amount"]] == "4800"
    assert rows[0][column["Currency"]] == "CNY"


def test_the_totals_export_carries_the_usd_total(page_client, figures, pilots):
    response = page_client("facilitator").get(
        url("pilot-costs", pilots.pilot_x.pk, "?export=csv&table=totals")
    )

    _header, *rows = csv_rows(response)
    assert rows[0][:4] == ["CNY", "56800", "0.142741", "8108"]
    assert rows[-1][0] == "Total (USD)"
    assert rows[-1][3] == "8108"


def test_all_tables_of_a_page_as_one_workbook(page_client, figures, pilots):
    response = page_client("facilitator").get(url("pilot-costs", pilots.pilot_x.pk, "?export=xlsx"))

    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == [
        "hard_costs",
        "soft_costs",
        "totals",
        "expected_benefits",
        "received_benefits",
    ]
    hard = list(book["hard_costs"].iter_rows(values_only=True))
    usd = hard[0].index("USD")
    assert [row[usd] for row in hard[1:]] == [685, 3426, 3426, 285, 285]  # numbers, not text
    benefits = list(book["expected_benefits"].iter_rows(values_only=True))
    assert benefits[1][3] == 196500
    assert benefits[1][5] == 28049
    assert benefits[1][6] == "year"


def test_the_kpi_table_exports_with_the_no_baseline_flag(page_client, figures, pilots):
    client = page_client("facilitator")
    x = client.get(url("pilot-kpis", pilots.pilot_x.pk, "?export=xlsx&table=kpis"))
    y = client.get(url("pilot-kpis", pilots.pilot_y.pk, "?export=csv&table=kpis"))

    header, *rows = list(workbook(x)["kpis"].iter_rows(values_only=True))
    injuries = dict(zip(header, rows[0], strict=False))
    assert injuries["Baseline"] == 131
    assert injuries["Latest"] == 100
    assert injuries["Projected savings"] == 196500
    assert injuries["Savings currency"] == "CNY"
    rate = dict(zip(header, rows[1], strict=False))  # trailing blanks dropped
    assert Decimal(str(rate["Baseline"])) == Decimal("13.1")
    assert rate["Latest"] == 10
    header, overtime = csv_rows(y)
    assert overtime[header.index("Baseline")] == "no baseline"
    assert overtime[header.index("Latest")] == "70"


def test_the_resource_analysis_exports_stated_and_difference(page_client, world, figures, pilots):
    services.stated_figure_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        kind="resource_total_usd",
        value=Decimal("87931"),
        source="seeds/000 §V.3",
    )
    client = page_client("facilitator")
    path = url("programme-dashboard", pilots.programme.pk)

    _header, *rows = csv_rows(client.get(path + "?export=csv&table=resources"))
    book = workbook(client.get(path + "?export=xlsx"))

    assert rows[0][0] == "Overall project management"
    assert rows[0][4] == "74949"
    assert rows[-1][0] == "Total"
    assert rows[-1][4:7] == ["87932", "87931", "1"]
    sheet = list(book["resources"].iter_rows(values_only=True))
    assert sheet[-1][4:7] == (87932, 87931, 1)
    assert {"pilots", "status", "participation", "reach_by_pilot"} <= set(book.sheetnames)


@pytest.mark.parametrize(
    "query", ["?export=csv&table=nothing", "?export=pdf&table=totals", "?export=csv"]
)
def test_an_unknown_table_or_format_is_404(page_client, figures, pilots, query):
    response = page_client("facilitator").get(url("pilot-costs", pilots.pilot_x.pk, query))

    assert response.status_code == 404


def test_a_formula_in_a_description_is_defused(page_client, world, figures, pilots):
    services.benefit_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        pilot=pilots.pilot_x,
        status="received",
        incentive="external_intangible",
        description='=HYPERLINK("http://example.com")',
    )
    client = page_client("facilitator")
    path = url("pilot-costs", pilots.pilot_x.pk)

    _header, row = csv_rows(client.get(path + "?export=csv&table=received_benefits"))
    book = workbook(client.get(path + "?export=xlsx&table=received_benefits"))

    assert row[1].startswith("'=")
    assert list(book["received_benefits"].iter_rows(values_only=True))[1][1].startswith("'=")


FIGURES = ("stated_usd", "person_days", "fte_low", "fte_high")


@pytest.mark.parametrize("role", ["facilitator", "customer_a"])
def test_the_cost_items_export_says_what_the_api_list_says(figures, api_client, role):
    # The export reads values a chunk at a time; the list serialises instances: same figures.
    CostItem.objects.filter(pk=figures.cost_x_lines[0].pk).update(
        stated_usd=Decimal("12.50"), person_days=Decimal("3.00"), fte_low=Decimal("0.50")
    )
    api = api_client(role)
    listed = api.get("/api/v1/cost-items/", {"page_size": 100}).json()["results"]
    rows = csv_rows(api.get("/api/v1/cost-items/export/"))
    exported = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert listed
    assert set(exported) == {item["id"] for item in listed}
    for item in listed:
        row = exported[item["id"]]
        assert row["quantities"] == item["quantity_text"]
        for field in ("amount", "currency", "usd", "rate", "rate_date", "usd_error", *FIGURES):
            assert row[field] == (item[field] or ""), field
        assert row["rate_pinned"] == {None: "", True: "yes", False: "no"}[item["rate_pinned"]]
    transport = exported[figures.cost_x_lines[0].pk]
    assert transport["quantities"] == "300 × 4 times × 4 people"
    # Decimals as the API writes them, trailing zeros kept (SQLite's text cast drops them).
    assert [transport[field] for field in FIGURES] == ["12.50", "3.00", "0.50", ""]


AWKWARD_NOTES = [
    '=HYPERLINK("http://example.com")',
    "+1",
    "@SUM(A1)",
    "\tTab first",
    "\rCR first",
    'a, "quoted" note\nover two lines',
    "中文备注，逗号",
    "a lone\rcarriage return",
    "\\.",
    " spaced ",
    "",
]


def awkward_observations(figures, world, pilots):
    """Figures whose cells test the writer: formulas, quotes, line breaks, Chinese, empty text,
    negative decimals, no facility or pilot, facilities and pilots of the other customer."""
    made = []
    places = [
        (world.supplier_x, world.facility_x, pilots.pilot_x),
        (world.supplier_x, world.facility_y, pilots.pilot_y),  # others' facility and pilot
        (world.supplier_y, world.facility_y, pilots.pilot_y),
        (world.supplier_x, None, None),
    ]
    for index, note in enumerate(AWKWARD_NOTES):
        supplier, facility, pilot = places[index % len(places)]
        made.append(
            Observation.objects.create(
                indicator=figures.overtime,
                supplier=supplier,
                facility=facility,
                pilot=pilot,
                period_start=date(2009, 1, 1),
                period_end=date(2009, 1, 1 + index),
                value=Decimal("-12.5") if index % 2 else Decimal("1000000.0001"),
                unit="-hours" if index % 3 == 0 else "小时",
                kind="actual",
                source="audit",
                sex="female" if index % 2 else "",
                status="confirmed",
                note=note,
            )
        )
    return made


def observations_export(user, write):
    queryset = access.scope(user, Observation.objects.all()).order_by("-period_end", "-id")
    response = write(user, queryset, "observations.csv", ObservationViewSet.csv_header)
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "ngo", "supplier"])
def test_postgresql_copy_writes_the_bytes_python_writes(figures, world, pilots, role):
    if not copies_csv(Observation.objects.all()):
        pytest.skip("COPY is PostgreSQL's; on SQLite the export is written by Python only")
    awkward_observations(figures, world, pilots)
    user = world.users[role]

    copied = observations_export(user, exports.observations_copy_csv)
    written = observations_export(user, exports.observations_values_csv)

    assert copied == written
    header, *rows = csv.reader(io.StringIO(copied.decode("utf-8").lstrip("\ufeff")))
    assert copied.startswith("\ufeffid,".encode())
    assert copied.endswith(b"\r\n")
    assert len(rows) == access.scope(user, Observation.objects.all()).count() > 0
    notes = {row[header.index("note")] for row in rows}
    if role == "facilitator":  # who sees every row
        assert {
            '\'=HYPERLINK("http://example.com")',
            "'\rCR first",
            "a lone\rcarriage return",
        } <= notes
        assert {'a, "quoted" note\nover two lines', "中文备注，逗号", "\\.", ""} <= notes
        assert "'-12.5000" in {row[header.index("value")] for row in rows}


def test_the_export_blanks_the_facilities_and_pilots_the_user_may_not_see(figures, world, pilots):
    # Written by COPY on PostgreSQL, by Python on SQLite.
    awkward_observations(figures, world, pilots)
    blanked = {"facility": 0, "pilot": 0}
    for role in ("customer_a", "ngo", "supplier"):
        user = world.users[role]
        body = observations_export(user, exports.observations_csv).decode()
        header, *rows = csv.reader(io.StringIO(body.lstrip("\ufeff")))
        seen = {
            "facility": access.visible_pks(user, Facility),
            "pilot": access.visible_pks(user, Pilot),
        }
        for row in rows:
            observation = Observation.objects.get(pk=row[0])
            for name in blanked:
                pk = getattr(observation, f"{name}_id")
                shown = pk is not None and pk in seen[name]
                assert row[header.index(name)] == (str(pk) if shown else ""), (role, name)
                blanked[name] += pk is not None and not shown
    # Else this test would show nothing.
    assert blanked["facility"]
    assert blanked["pilot"]
