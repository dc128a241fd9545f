"""The metrics API: money figures with their rates, bad input named by field, KPI figures
entered and confirmed, the computed pilot and programme figures, CSV exports, cursor pages that
hold across inserts, and lists whose cost does not grow with their rows."""

import base64
import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from metrics import services
from metrics.models import CostItem, Currency, Observation


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by_id(rows):
    return {row["id"]: row for row in rows}


# --- money figures -----------------------------------------------------------------------------


def test_a_cost_item_shows_its_original_amount_and_its_usd_with_the_rate(figures, api_client):
    rows = by_id(results(api_client("facilitator").get("/api/v1/cost-items/")))
    transport = rows[figures.cost_x_lines[0].pk]
    assert transport["amount"] == "4800.00"
    assert transport["currency"] == "CNY"
    assert transport["quantity_text"] == "300 × 4 times × 4 people"
    assert transport["usd"] == "685"  # 4800 × 0.142741 = 685.16
    assert transport["rate"] == "0.142741"
    assert transport["rate_date"] == "2008-01-01"
    assert transport["rate_pinned"] is False
    assert transport["usd_error"] is None
    assert transport["usd_stated"] == {
        "computed": "685",
        "stated": "685",
        "stated_text": "",
        "source": "",
        "difference": "0",
    }
    hotline = rows[figures.cost_y.pk]
    assert (hotline["amount"], hotline["currency"], hotline["usd"]) == ("38000.00", "HKD", "4875")
    assert hotline["rate"] == "0.128295"
    assert hotline["rate_pinned"] is True
    assert hotline["rate_date"] is None


def test_a_missing_rate_shows_no_usd_and_says_why_rather_than_failing(
    figures, pilots, world, api_client
):
    # Recorded before the rate was (e.g. by an import): the API still answers.
    item = CostItem.objects.create(
        programme=pilots.programme,
        pilot=pilots.pilot_x,
        borne_by=world.supplier_x.organisation,
        nature="soft",
        category="other",
        description="Venue",
        amount=Decimal("100"),
        currency=Currency.objects.get(code="EUR"),
        on_date=datetime.date(2008, 1, 1),
    )
    api = api_client("facilitator")
    row = api.get(f"/api/v1/cost-items/{item.pk}/").json()
    assert row["usd"] is None
    assert row["rate"] is None
    assert "EUR" in row["usd_error"]
    figures_answer = api.get(f"/api/v1/pilot-figures/{pilots.pilot_x.pk}/")
    assert figures_answer.status_code == 200
    soft = figures_answer.json()["cost_benefit"]["soft"]
    assert soft[0]["money"]["usd"] is None
    assert soft[0]["money"]["usd_error"]
    assert figures_answer.json()["cost_benefit"]["missing_rates"]
    csv_body = b"".join(api.get("/api/v1/cost-items/export/").streaming_content).decode()
    assert "EUR" in csv_body


def cost_body(pilots, world, **changes):
    body = {
        "programme": pilots.programme.pk,
        "pilot": pilots.pilot_x.pk,
        "borne_by": world.supplier_x.organisation.pk,
        "nature": "hard",
        "category": "training",
        "description": "Trainers' travel",
        "amount": "1200",
        "currency": "CNY",
        "on_date": "2008-04-01",
    }
    return body | changes


def test_facilitators_record_and_correct_costs_through_the_api(figures, pilots, world, api_client):
    api = api_client("facilitator")
    created = api.post("/api/v1/cost-items/", cost_body(pilots, world))
    assert created.status_code == 201, created.content
    assert created.json()["usd"] == "171"  # 1200 × 0.142741 = 171.29
    changed = api.patch(f"/api/v1/cost-items/{created.json()['id']}/", {"amount": "1300"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["usd"] == "186"
    with_parts = api.post(
        "/api/v1/cost-items/",
        cost_body(
            pilots,
            world,
            amount=None,
            unit_amount="300",
            quantity_parts=[{"count": "4", "unit": "times"}, {"count": "4", "unit": "people"}],
        ),
    )
    assert with_parts.status_code == 201, with_parts.content
    assert with_parts.json()["amount"] == "4800.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "EUR"}, "currency"),  # no EUR rate on that day, none pinned
        ({"pinned_rate": "-1"}, "pinned_rate"),
        ({"pilot": 999999}, "pilot"),
        ({"fte_low": "2", "fte_high": "1"}, "fte_high"),
        (
            {"unit_amount": "300", "quantity_parts": [{"count": "4"}], "amount": "100"},
            "amount",
        ),
    ],
)
def test_bad_costs_are_refused_naming_the_field(figures, pilots, world, api_client, changes, field):
    before = CostItem.objects.count()
    response = api_client("facilitator").post(
        "/api/v1/cost-items/", cost_body(pilots, world, **changes)
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"].startswith(f"{field}: ")
    assert CostItem.objects.count() == before


def test_a_rate_pinned_on_the_item_makes_up_for_a_missing_dated_rate(
    figures, pilots, world, api_client
):
    response = api_client("facilitator").post(
        "/api/v1/cost-items/", cost_body(pilots, world, currency="EUR", pinned_rate="1.5")
    )
    assert response.status_code == 201, response.content
    assert (response.json()["usd"], response.json()["rate_pinned"]) == ("1800", True)


def test_benefits_show_their_value_in_usd_and_are_refused_without_a_rate(
    figures, pilots, api_client
):
    api = api_client("facilitator")
    row = api.get(f"/api/v1/benefits/{figures.benefit_x.pk}/").json()
    assert (row["amount"], row["currency"], row["usd"]) == ("196500.00", "CNY", "28049")
    refused = api.post(
        "/api/v1/benefits/",
        {
            "programme": pilots.programme.pk,
            "pilot": pilots.pilot_x.pk,
            "status": "received",
            "incentive": "external_intangible",
            "description": "Recognition",
            "amount": "10",
            "currency": "EUR",
        },
    )
    assert refused.status_code == 400
    assert "currency" in refused.json()["errors"]


def test_facilitators_enter_rates_and_currencies(figures, world, api_client):
    api = api_client("facilitator")
    rate = api.post(
        "/api/v1/exchange-rates/",
        {
            "organisation": world.facilitator_org.pk,
            "currency": "EUR",
            "valid_from": "2008-01-01",
            "usd": "1.47",
            "source": "ECB",
        },
    )
    assert rate.status_code == 201, rate.content
    assert rate.json()["organisation_name"] == "Facilitator Org"
    again = api.post(
        "/api/v1/exchange-rates/",
        {
            "organisation": world.facilitator_org.pk,
            "currency": "EUR",
            "valid_from": "2008-01-01",
            "usd": "1.5",
        },
    )
    assert again.status_code == 400
    negative = api.post(
        "/api/v1/exchange-rates/",
        {
            "organisation": world.facilitator_org.pk,
            "currency": "EUR",
            "valid_from": "2009-01-01",
            "usd": "-1",
        },
    )
    assert negative.status_code == 400
    assert "usd" in negative.json()["errors"]
    currency = api.post("/api/v1/currencies/", {"code": "SGD", "name": "Singapore dollar"})
    assert currency.status_code == 201, currency.content
    bad = api.post("/api/v1/currencies/", {"code": "sg", "name": "Lower"})
    assert bad.status_code == 400
    assert "code" in bad.json()["errors"]
    renamed = api.patch("/api/v1/currencies/SGD/", {"name": "Singapore Dollar"})
    assert renamed.json() == {"code": "SGD", "name": "Singapore Dollar"}


def test_stated_figures_and_tracked_indicators_are_recorded_through_services(
    figures, pilots, api_client
):
    api = api_client("facilitator")
    stated = api.post(
        "/api/v1/stated-figures/",
        {
            "programme": pilots.programme.pk,
            "pilot": pilots.pilot_x.pk,
            "kind": "pilot_cost_usd",
            "value": "8107",
            "source": "seeds/000 table 4",
        },
    )
    assert stated.status_code == 201, stated.content
    duplicate = api.post(
        "/api/v1/stated-figures/",
        {
            "programme": pilots.programme.pk,
            "pilot": pilots.pilot_x.pk,
            "kind": "pilot_cost_usd",
            "value": "8000",
            "source": "again",
        },
    )
    assert duplicate.status_code == 400
    total = api.get(f"/api/v1/pilot-figures/{pilots.pilot_x.pk}/").json()["cost_benefit"]
    assert total["total_usd"]["computed"] == "8108"
    assert total["total_usd"]["stated"] == "8107"
    assert total["total_usd"]["difference"] == "1"

    tracked = api.post(
        "/api/v1/tracked-indicators/",
        {"pilot": pilots.pilot_y.pk, "indicator": figures.injuries.pk, "unit_cost": "100"},
    )
    assert tracked.status_code == 400
    assert "unit_cost_currency" in tracked.json()["errors"]
    again = api.post(
        "/api/v1/tracked-indicators/",
        {"pilot": pilots.pilot_x.pk, "indicator": figures.injuries.pk},
    )
    assert again.status_code == 400


# --- KPI figures ---------------------------------------------------------------------------------


def observation_body(figures, world, pilots, **changes):
    body = {
        "indicator": figures.overtime.pk,
        "supplier": world.supplier_x.pk,
        "pilot": pilots.pilot_x.pk,
        "period_start": "2008-06-01",
        "period_end": "2008-06-30",
        "value": "80.5",
        "kind": "actual",
        "source": "self_reported",
    }
    return body | changes


def test_a_supplier_enters_a_figure_and_the_partner_confirms_it(figures, world, pilots, api_client):
    created = api_client("supplier").post(
        "/api/v1/observations/", observation_body(figures, world, pilots)
    )
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["status"] == "submitted"
    assert row["unit"] == "hours a month"
    assert (row["supplier_name"], row["pilot_title"]) == ("Supplier X", "Pilot X")
    url = f"/api/v1/observations/{row['id']}/"

    own = api_client("supplier").post(url + "confirm/", {})
    assert own.status_code == 403, own.content
    assert own.json()["code"] == "permission_denied"
    assert api_client("customer_b").post(url + "confirm/", {}).status_code == 404

    confirmed = api_client("ngo").post(url + "confirm/", {"note": "Checked the timesheets"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    again = api_client("ngo").post(url + "confirm/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert api_client("ngo").post(url + "return/", {"reason": "x"}).status_code == 409


def test_a_returned_figure_names_the_reason_and_the_supplier_corrects_it(
    figures, world, pilots, api_client
):
    created = (
        api_client("supplier")
        .post("/api/v1/observations/", observation_body(figures, world, pilots))
        .json()
    )
    url = f"/api/v1/observations/{created['id']}/"
    blank = api_client("ngo").post(url + "return/", {"reason": ""})
    assert blank.status_code == 400
    returned = api_client("ngo").post(url + "return/", {"reason": "Hours of May, not June"})
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    corrected = api_client("supplier").patch(url, {"value": "81"})
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["status"] == "submitted"


def test_a_facilitators_figure_counts_as_confirmed(figures, world, pilots, api_client):
    created = api_client("facilitator").post(
        "/api/v1/observations/", observation_body(figures, world, pilots, source="audit")
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "hours a week"}, "unit"),
        ({"period_start": "2099-01-01", "period_end": "2099-01-31"}, "period_end"),
        ({"period_start": "2008-07-01", "period_end": "2008-06-01"}, "period_end"),
        ({"indicator": 999999}, "indicator"),
        ({"value": "abc"}, "value"),
        ({"kind": "guess"}, "kind"),
    ],
)
def test_bad_figures_are_refused_naming_the_field(
    figures, world, pilots, api_client, changes, field
):
    before = Observation.objects.count()
    response = api_client("supplier").post(
        "/api/v1/observations/", observation_body(figures, world, pilots, **changes)
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Observation.objects.count() == before


def test_a_future_target_is_fine(figures, world, pilots, api_client):
    response = api_client("supplier").post(
        "/api/v1/observations/",
        observation_body(
            figures,
            world,
            pilots,
            kind="target",
            period_start="2099-01-01",
            period_end="2099-12-31",
        ),
    )
    assert response.status_code == 201, response.content


def test_nobody_records_figures_for_a_supplier_they_do_not_speak_for(
    figures, world, pilots, api_client
):
    body = observation_body(
        figures, world, pilots, supplier=world.supplier_y.pk, pilot=pilots.pilot_y.pk
    )
    response = api_client("supplier").post("/api/v1/observations/", body)
    assert response.status_code == 400  # supplier Y and pilot Y are not choices it has
    assert {"supplier", "pilot"} & set(response.json()["errors"])
    assert (
        api_client("customer_a")
        .post("/api/v1/observations/", observation_body(figures, world, pilots))
        .status_code
        == 403
    )


def test_observations_filter_by_indicator_supplier_pilot_programme_and_period(
    figures, world, pilots, api_client
):
    api = api_client("facilitator")

    def ids(query):
        return {row["id"] for row in results(api.get(f"/api/v1/observations/?{query}"))}

    overtime = {
        figures.observations_x[4].pk,
        figures.observations_x[5].pk,
        figures.observation_y.pk,
    }
    assert ids(f"indicator={figures.overtime.pk}") == overtime
    assert ids(f"supplier={world.supplier_y.pk}") == {figures.observation_y.pk}
    assert ids(f"pilot={pilots.pilot_y.pk}") == {figures.observation_y.pk}
    assert len(ids(f"programme={pilots.programme.pk}")) == 7
    assert ids("period_from=2008-05-01&period_to=2008-05-31") == {
        figures.observations_x[5].pk,
        figures.observation_y.pk,
        figures.observations_x[2].pk,
        figures.observations_x[3].pk,
    }
    assert ids("period_to=2007-12-31&kind=baseline") == {
        row.pk for row in figures.observations_x if row.kind == "baseline"
    }
    bad = api.get("/api/v1/observations/?period_from=someday")
    assert bad.status_code == 400
    assert "period_from" in bad.json()["errors"]
    # A hidden supplier is no choice, as a missing one.
    hidden = api_client("customer_a").get(f"/api/v1/observations/?supplier={world.supplier_y.pk}")
    missing = api_client("customer_a").get("/api/v1/observations/?supplier=999999")
    assert hidden.status_code == missing.status_code == 400


def test_csv_exports_follow_the_lists_filters(figures, pilots, api_client):
    api = api_client("facilitator")
    response = api.get(f"/api/v1/observations/export/?indicator={figures.injuries.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="observations.csv"'
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,indicator,indicator_name,supplier")
    assert {line.split(",")[0] for line in lines[1:]} == {
        str(figures.observations_x[0].pk),
        str(figures.observations_x[2].pk),
    }
    costs = api.get(f"/api/v1/cost-items/export/?pilot={pilots.pilot_y.pk}")
    lines = b"".join(costs.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert ",38000.00,HKD,4875,0.128295,,yes," in lines[1]
    bad = api.get("/api/v1/cost-items/export/?nature=neither", HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/json"
    assert "nature" in bad.json()["errors"]
    asked_for_csv = api.get("/api/v1/benefits/export/", HTTP_ACCEPT="text/csv")
    assert asked_for_csv.status_code == 200
    assert asked_for_csv["Content-Type"].startswith("text/csv")


# --- cursor pages --------------------------------------------------------------------------------


def add_observations(world, pilots, indicator, ends):
    return [
        services.observation_save(
            actor=world.users["facilitator"],
            indicator=indicator,
            supplier=world.supplier_x,
            pilot=pilots.pilot_x,
            value=Decimal(number),
            kind="actual",
            source="audit",
            period_start=end.replace(day=1),
            period_end=end,
        )
        for number, end in enumerate(ends)
    ]


def test_cursor_pages_neither_repeat_nor_skip_rows_when_rows_are_added_meanwhile(
    figures, world, pilots, api_client
):
    # Many rows share a period end, which an offset within equal keys would get wrong.
    ends = [datetime.date(2006, 1 + n % 6, 28) for n in range(30)]
    add_observations(world, pilots, figures.overtime, ends)
    api = api_client("facilitator")
    present = set(Observation.objects.values_list("pk", flat=True))
    first = api.get("/api/v1/observations/?page_size=10")
    assert first.status_code == 200
    page_one = [row["id"] for row in first.json()["results"]]
    assert first.json()["previous"] is None
    # Rows newer than any listed, and older, and on the same day as the page's last row.
    last = Observation.objects.get(pk=page_one[-1])
    add_observations(
        world,
        pilots,
        figures.overtime,
        [datetime.date(2008, 6, 30), datetime.date(2005, 1, 31), last.period_end],
    )
    seen, url = list(page_one), first.json()["next"]
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    original = [pk for pk in seen if pk in present]
    assert len(original) == len(set(original))
    assert set(original) == present
    # The order is the list's: newest period first, then the newest id.
    keys = [
        (row.period_end, row.pk)
        for row in sorted(Observation.objects.filter(pk__in=seen), key=lambda r: seen.index(r.pk))
    ]
    assert keys == sorted(keys, reverse=True)


def test_previous_cursor_goes_back_to_the_same_rows(figures, world, pilots, api_client):
    add_observations(world, pilots, figures.overtime, [datetime.date(2006, 3, 31)] * 12)
    api = api_client("facilitator")
    first = api.get("/api/v1/observations/?page_size=5").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b'{"v":["not a date",1],"r":0}').decode(),
        base64.b64encode(json.dumps({"v": [1], "r": 0}).encode()).decode(),
    ],
)
def test_a_bad_cursor_is_a_404_in_the_one_error_shape(figures, api_client, cursor):
    response = api_client("facilitator").get("/api/v1/observations/", {"cursor": cursor})
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code", "errors"}


def test_a_deep_page_reads_by_index_range_not_offset(figures, api_client):
    api = api_client("facilitator")
    first = api.get("/api/v1/observations/?page_size=2").json()
    with CaptureQueriesContext(connection) as queries:
        api.get(first["next"])
    page_query = [q["sql"] for q in queries.captured_queries if "metrics_observation" in q["sql"]]
    assert page_query
    assert all("OFFSET" not in sql.upper() for sql in page_query)


# --- the computed figures ------------------------------------------------------------------------


def test_pilot_figures_give_the_kpi_table_and_the_cost_benefit(figures, pilots, api_client):
    response = api_client("ngo").get(f"/api/v1/pilot-figures/{pilots.pilot_x.pk}/")
    assert response.status_code == 200
    body = response.json()
    kpis = {row["indicator_name"]: row for row in body["kpis"]}
    injuries = kpis["Injuries"]
    assert injuries["baseline"]["value"] == "131"
    assert injuries["latest"]["value"] == "100"
    assert injuries["target"]["value"] == "65.5"
    assert injuries["target_is_derived"] is True
    assert injuries["change"] == "-31"
    assert injuries["pct_change"] == "-23.7"
    assert injuries["missing_baseline"] is False
    savings = injuries["projected_savings"]
    assert (savings["amount"], savings["currency"]) == ("196500", "CNY")
    assert savings["usd"] == "28049"
    assert savings["rate"] == "0.142741"
    rate = kpis["Injury rate"]
    assert rate["computed_from_counts"] is True
    assert rate["baseline"]["value"] == "13.1"
    overtime = kpis["Overtime"]
    assert (overtime["baseline"]["value"], overtime["latest"]["value"]) == ("120", "87.8")

    cost = body["cost_benefit"]
    assert cost["total_usd"]["computed"] == "8108"
    assert cost["total_usd"]["stated"] is None
    assert cost["totals_by_currency"] == [{"currency": "CNY", "amount": "56800"}]
    assert len(cost["hard"]) == 5
    assert cost["soft"] == []
    assert [line["usd"]["stated"] for line in cost["hard"]] == ["685", "3426", "3426", "285", "285"]
    assert cost["rates_used"] == [
        {
            "currency": "CNY",
            "rate": "0.142741",
            "rate_date": "2008-01-01",
            "rate_pinned": False,
            "description": "1 CNY = 0.142741 USD (rate of 2008-01-01)",
        }
    ]
    (benefit,) = cost["expected_benefits"]
    assert (benefit["money"]["amount"], benefit["money"]["usd"]) == ("196500", "28049")
    assert cost["received_benefits"] == []


def test_a_pilot_without_a_baseline_is_flagged(figures, pilots, api_client):
    body = api_client("customer_b").get(f"/api/v1/pilot-figures/{pilots.pilot_y.pk}/").json()
    (overtime,) = body["kpis"]
    assert overtime["missing_baseline"] is True
    assert overtime["latest"]["value"] == "70"
    assert overtime["change"] is None
    assert body["cost_benefit"]["total_usd"]["computed"] == "4875"
    assert body["cost_benefit"]["rates_used"][0]["rate_pinned"] is True


def test_programme_figures_give_the_three_tables_with_stated_figures_beside(
    figures, pilots, world, api_client
):
    facilitator = world.users["facilitator"]
    services.stated_figure_save(
        actor=facilitator,
        programme=pilots.programme,
        kind="resource_total_usd",
        value=Decimal("87930"),
        source="seeds/000 §V.3",
    )
    response = api_client("facilitator").get(f"/api/v1/programme-figures/{pilots.programme.pk}/")
    assert response.status_code == 200
    body = response.json()
    analysis = body["resource_analysis"]
    # 8107.69 + 4875.21 + 74949, converted from the summed originals, rounded once.
    assert analysis["total"] == {
        "computed": "87932",
        "stated": "87930",
        "stated_text": "",
        "source": "seeds/000 §V.3",
        "difference": "2",
    }
    rows = {(row["pilot"], row["organisation_kind"]): row for row in analysis["rows"]}
    assert rows[(None, "")]["usd"]["computed"] == "74949"
    assert rows[(pilots.pilot_x.pk, "supplier")]["usd"]["computed"] == "8108"
    assert rows[(pilots.pilot_y.pk, "supplier")]["usd"]["computed"] == "4875"
    kinds = {row["organisation_kind"]: row for row in body["stakeholder_participation"]}
    assert kinds["supplier"]["actual"]["computed"] == "2"
    assert {org["name"] for org in kinds["supplier"]["organisations"]} == {
        "Supplier X",
        "Supplier Y",
    }
    by_pilot = {row["label"]: row for row in body["cost_per_reach"]["by_pilot"]}
    assert by_pilot["Pilot X"]["usd"] == "8108"
    assert by_pilot["Pilot X"]["supplier_count"] == 1
    assert by_pilot["Pilot X"]["per_supplier"] == "8108"
    (approach,) = body["cost_per_reach"]["by_approach"]
    assert approach["pilots"] == [pilots.pilot_x.pk, pilots.pilot_y.pk]
    assert approach["usd"] == "12983"


def test_the_figure_lists_link_to_each_figures_page(figures, pilots, api_client):
    rows = results(api_client("facilitator").get("/api/v1/programme-figures/"))
    assert rows == [
        {
            "id": pilots.programme.pk,
            "title": pilots.programme.title,
            "url": f"http://testserver/api/v1/programme-figures/{pilots.programme.pk}/",
        }
    ]


# --- the cost of the lists -----------------------------------------------------------------------


def grow(figures, world, pilots, count):
    add_observations(
        world,
        pilots,
        figures.overtime,
        [datetime.date(2006, 1 + n % 12, 28) for n in range(count)],
    )
    facilitator = world.users["facilitator"]
    for number in range(count):
        services.cost_item_save(
            actor=facilitator,
            programme=pilots.programme,
            pilot=pilots.pilot_x,
            phase=pilots.phase_x1,
            borne_by=world.customer_a,
            nature="soft",
            category="travel",
            description=f"Trip {number}",
            amount=Decimal("10"),
            currency=Currency.objects.get(code="HKD"),
            on_date=datetime.date(2008, 3, 1),
        )
        services.benefit_save(
            actor=facilitator,
            programme=pilots.programme,
            pilot=pilots.pilot_x,
            status="received",
            incentive="external_tangible",
            description=f"Order {number}",
            amount=Decimal("5"),
            currency=Currency.objects.get(code="CNY"),
        )


LISTS = [
    "/api/v1/observations/",
    "/api/v1/cost-items/",
    "/api/v1/benefits/",
    "/api/v1/tracked-indicators/",
    "/api/v1/exchange-rates/",
    "/api/v1/indicators/",
    "/api/v1/stated-figures/",
    "/api/v1/pilot-figures/",
]


def count_queries(user, url):
    # A fresh user object each time: what it caches per request must not carry over.
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
        if url.endswith("/export/"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("role", ["facilitator", "ngo"])
def test_the_lists_cost_the_same_few_queries_for_one_row_and_for_many(
    figures, world, pilots, api_client, role
):
    user = world.users[role]
    urls = [
        *LISTS,
        "/api/v1/observations/export/",
        "/api/v1/cost-items/export/",
        "/api/v1/benefits/export/",
        f"/api/v1/pilot-figures/{pilots.pilot_x.pk}/",
        f"/api/v1/programme-figures/{pilots.programme.pk}/",
    ]
    few = {url: count_queries(user, url) for url in urls}
    grow(figures, world, pilots, 20)
    many = {url: count_queries(user, url) for url in urls}
    assert many == few
    assert max(few.values()) <= 25, few
