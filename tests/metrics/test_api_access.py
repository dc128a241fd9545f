"""The metrics API as an access matrix: who lists and reads which rate, cost item, benefit,
stated figure, tracked indicator, observation and computed figures; hidden reads as missing
(the same 404); every id in an answer is one the caller may see."""

from decimal import Decimal

import pytest

from csrplatform import access
from metrics import services
from pilots.models import Pilot, Programme
from suppliers.models import Facility, Organisation, Supplier

ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo", "anonymous")
SIGNED_IN = [role for role in ROLES if role != "anonymous"]
# Which of the `pilots` fixture's pilots each role sees (pilot X: supplier X, customer A, the
# NGO; pilot Y: supplier Y, customer B). Everyone signed in sees the programme.
PILOTS = {
    "facilitator": {"x", "y"},
    "customer_a": {"x"},
    "customer_b": {"y"},
    "supplier": {"x"},
    "ngo": {"x"},
    "anonymous": set(),
}


def _rows(figures, endpoint):
    """{side: [rows]}: "x" and "y" for rows of pilot X and Y, "programme" for the programme's."""
    return {
        "cost-items": {
            "x": figures.cost_x_lines,
            "y": [figures.cost_y],
            "programme": [figures.cost_programme],
        },
        "benefits": {"x": [figures.benefit_x]},
        "tracked-indicators": {
            "x": [figures.tracked_injuries, figures.tracked_rate, figures.tracked_overtime],
            "y": [figures.tracked_y],
        },
        "observations": {"x": figures.observations_x, "y": [figures.observation_y]},
    }[endpoint]


def expected_ids(figures, endpoint, role):
    sides = PILOTS[role] | ({"programme"} if role != "anonymous" else set())
    return {
        row.pk for side, rows in _rows(figures, endpoint).items() if side in sides for row in rows
    }


def all_results(api, url):
    ids, rows = set(), []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url = body["next"]
    ids = {row["id"] for row in rows}
    assert len(ids) == len(rows)  # no row twice
    return ids, rows


ENDPOINTS = ["cost-items", "benefits", "tracked-indicators", "observations"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_lists_show_only_the_rows_of_visible_pilots_and_programmes(
    figures, api_client, role, endpoint
):
    api = api_client(role)
    response = api.get(f"/api/v1/{endpoint}/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
        return
    ids, _rows = all_results(api, f"/api/v1/{endpoint}/")
    assert ids == expected_ids(figures, endpoint, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_details_outside_the_scope_are_404_like_missing_ones(figures, api_client, role, endpoint):
    api = api_client(role)
    visible = expected_ids(figures, endpoint, role)
    missing = api.get(f"/api/v1/{endpoint}/999999/")
    for rows in _rows(figures, endpoint).values():
        for row in rows:
            response = api.get(f"/api/v1/{endpoint}/{row.pk}/")
            if role == "anonymous":
                assert response.status_code in (401, 403)
            elif row.pk in visible:
                assert response.status_code == 200
                assert response.json()["id"] == row.pk
            else:
                assert response.status_code == 404
                assert response.json() == missing.json()


@pytest.mark.parametrize("role", SIGNED_IN)
def test_everyone_reads_the_catalogue_and_the_rates_that_explain_their_figures(
    figures, api_client, role
):
    api = api_client(role)
    codes = {row["code"] for row in api.get("/api/v1/currencies/?page_size=200").json()["results"]}
    assert {"USD", "CNY", "HKD"} <= codes
    assert api.get("/api/v1/currencies/CNY/").json()["code"] == "CNY"
    indicators = {row["id"] for row in api.get("/api/v1/indicators/").json()["results"]}
    assert figures.injuries.pk in indicators
    rates = {row["id"] for row in api.get("/api/v1/exchange-rates/").json()["results"]}
    assert rates == {figures.rate_cny.pk, figures.rate_hkd.pk}


@pytest.mark.parametrize(
    "endpoint", ["currencies", "indicators", "exchange-rates", "stated-figures"]
)
def test_the_anonymous_read_nothing(figures, api_client, endpoint):
    assert api_client("anonymous").get(f"/api/v1/{endpoint}/").status_code in (401, 403)


def test_rates_of_another_facilitator_stay_hidden(figures, world, api_client):
    from metrics.models import Currency, ExchangeRate

    other = Organisation.objects.create(name="Other facilitator", kind="facilitator")
    hidden = ExchangeRate.objects.create(
        organisation=other,
        currency=Currency.objects.get(code="EUR"),
        valid_from="2008-01-01",
        usd=Decimal("1.5"),
    )
    for role in ("customer_a", "supplier", "ngo"):
        api = api_client(role)
        ids = {row["id"] for row in api.get("/api/v1/exchange-rates/").json()["results"]}
        assert hidden.pk not in ids
        assert api.get(f"/api/v1/exchange-rates/{hidden.pk}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["x", "y"])
def test_pilot_figures_are_404_for_a_hidden_pilot_as_for_a_missing_one(
    figures, pilots, api_client, role, side
):
    api = api_client(role)
    pilot = getattr(pilots, f"pilot_{side}")
    response = api.get(f"/api/v1/pilot-figures/{pilot.pk}/")
    missing = api.get("/api/v1/pilot-figures/999999/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif side in PILOTS[role]:
        assert response.status_code == 200
        assert response.json()["pilot"] == pilot.pk
    else:
        assert response.status_code == 404
        assert response.json() == missing.json()
    if role != "anonymous":
        listed = {row["id"] for row in api.get("/api/v1/pilot-figures/").json()["results"]}
        assert listed == {getattr(pilots, f"pilot_{s}").pk for s in PILOTS[role]}


@pytest.mark.parametrize("role", SIGNED_IN)
def test_programme_figures_are_for_those_who_see_the_programme(
    figures, pilots, world, api_client, role
):
    api = api_client(role)
    response = api.get(f"/api/v1/programme-figures/{pilots.programme.pk}/")
    assert response.status_code == 200
    body = response.json()
    # Only what the caller may see is counted: the pilots' rows and named organisations.
    visible_pilots = {getattr(pilots, f"pilot_{s}").pk for s in PILOTS[role]}
    rows = body["resource_analysis"]["rows"]
    assert {row["pilot"] for row in rows if row["pilot"]} == visible_pilots
    assert {row["pilots"][0] for row in body["cost_per_reach"]["by_pilot"]} == visible_pilots
    user = world.users[role]
    organisations = access.visible_pks(user, Organisation)
    for row in body["stakeholder_participation"]:
        assert {org["id"] for org in row["organisations"]} <= organisations


def test_a_hidden_programme_reads_as_a_missing_one(figures, world, api_client):
    hidden = Programme.objects.create(
        title="Elsewhere",
        facilitator=Organisation.objects.create(name="Another facilitator", kind="facilitator"),
    )
    api = api_client("customer_a")
    response = api.get(f"/api/v1/programme-figures/{hidden.pk}/")
    missing = api.get("/api/v1/programme-figures/999999/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert api.get("/api/v1/programme-figures/abc/").json() == missing.json()


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_id_in_an_answer_is_visible_to_the_caller(figures, world, api_client, role):
    api = api_client(role)
    user = world.users[role]
    seen = {
        "organisation": access.visible_pks(user, Organisation),
        "supplier": access.visible_pks(user, Supplier),
        "facility": access.visible_pks(user, Facility),
        "pilot": access.visible_pks(user, Pilot),
        "programme": access.visible_pks(user, Programme),
    }
    _ids, observations = all_results(api, "/api/v1/observations/")
    for row in observations:
        assert row["supplier"] in seen["supplier"]
        assert row["facility"] is None or row["facility"] in seen["facility"]
        assert row["pilot"] is None or row["pilot"] in seen["pilot"]
    _ids, costs = all_results(api, "/api/v1/cost-items/")
    for row in costs:
        assert row["programme"] in seen["programme"]
        assert row["pilot"] is None or row["pilot"] in seen["pilot"]
        assert row["borne_by"] is None or row["borne_by"] in seen["organisation"]
        if row["borne_by"] is None:
            assert row["borne_by_name"] is None
    _ids, rates = all_results(api, "/api/v1/exchange-rates/")
    for row in rates:
        assert row["organisation"] is None or row["organisation"] in seen["organisation"]


def test_an_observation_names_a_facility_only_to_those_who_may_see_it(
    figures, world, pilots, api_client
):
    observation = services.observation_save(
        actor=world.users["facilitator"],
        indicator=figures.overtime,
        supplier=world.supplier_x,
        facility=world.facility_x,
        pilot=pilots.pilot_x,
        value=Decimal("90"),
        kind="actual",
        source="audit",
        period_start="2008-06-01",
        period_end="2008-06-30",
    )
    hidden_from = []
    for role in ("facilitator", "customer_a", "supplier", "ngo"):
        can_see = world.facility_x.pk in access.visible_pks(world.users[role], Facility)
        if not can_see:
            hidden_from.append(role)
        # Alone, and on a list page (where one question covers the page's facilities).
        alone = api_client(role).get(f"/api/v1/observations/{observation.pk}/").json()
        _ids, listed = all_results(api_client(role), "/api/v1/observations/?page_size=2")
        on_page = next(row for row in listed if row["id"] == observation.pk)
        for row in (alone, on_page):
            assert row["facility"] == (world.facility_x.pk if can_see else None), role
            assert row["facility_name"] == ("X plant" if can_see else None), role
    assert hidden_from  # else this test would show nothing
    # The CSV says no more than the JSON.
    body = b"".join(
        api_client("ngo").get("/api/v1/observations/export/").streaming_content
    ).decode()
    if world.facility_x.pk not in access.visible_pks(world.users["ngo"], Facility):
        assert "X plant" not in body


@pytest.mark.parametrize("endpoint", ["observations", "cost-items", "benefits"])
@pytest.mark.parametrize("role", SIGNED_IN)
def test_csv_exports_hold_the_rows_of_the_list(figures, api_client, endpoint, role):
    api = api_client(role)
    response = api.get(f"/api/v1/{endpoint}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    ids = {int(line.split(",")[0]) for line in lines[1:]}
    assert ids == expected_ids(figures, endpoint, role)


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "supplier", "ngo"])
def test_only_facilitators_write_money_and_catalogue(figures, pilots, world, api_client, role):
    api = api_client(role)
    assert (
        api.post("/api/v1/currencies/", {"code": "SGD", "name": "Singapore dollar"}).status_code
        == 403
    )
    assert (
        api.post(
            "/api/v1/indicators/", {"name": "Turnover", "unit": "%", "better": "lower"}
        ).status_code
        == 403
    )
    answer = api.post(
        "/api/v1/cost-items/",
        {
            "programme": pilots.programme.pk,
            "borne_by": world.facilitator_org.pk,
            "nature": "hard",
            "category": "other",
            "description": "Taxi",
            "amount": "10",
            "currency": "USD",
        },
    )
    assert answer.status_code in (403, 404), answer.content
    response = api.patch(f"/api/v1/cost-items/{figures.cost_programme.pk}/", {"description": "x"})
    assert response.status_code == 404
