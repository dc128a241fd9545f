"""People trained, interviewed or reached: breakdowns by sex that never exceed their total,
shares computed from the counts, who sees which count, the page and the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from csrplatform import access
from pilots import budget, services
from pilots.models import PeopleReached


@pytest.fixture
def reached(world, pilots):
    facilitator = world.users["facilitator"]
    activity = services.activity_save(
        actor=facilitator,
        pilot=pilots.pilot_x,
        kind="training",
        date=date(2008, 3, 1),
        title="Supervisor training",
    )
    programme_row = services.people_reached_save(
        actor=facilitator,
        programme=pilots.programme,
        what="interviewed",
        total=151,
        women=69,
        note="Final evaluation",
    )
    pilot_row = services.people_reached_save(
        actor=facilitator,
        programme=pilots.programme,
        activity=activity,
        what="trained",
        total=40,
        women=25,
        men=14,
        other=1,
    )
    return type(
        "Reached",
        (),
        {"activity": activity, "programme_row": programme_row, "pilot_row": pilot_row},
    )


def test_shares_by_sex_are_computed_from_the_counts(reached):
    shares = budget.sex_shares(reached.programme_row)
    assert shares.women_pct == Decimal("45.7")  # 69 of 151
    assert shares.men_pct is None  # not given: not guessed
    assert shares.unrecorded == 82
    assert shares.unrecorded_pct == Decimal("54.3")
    shares = budget.sex_shares(reached.pilot_row)
    assert (shares.women_pct, shares.men_pct, shares.other_pct) == (
        Decimal("62.5"),
        Decimal("35.0"),
        Decimal("2.5"),
    )
    assert shares.unrecorded == 0


def test_the_activity_names_the_pilot(reached, pilots):
    assert reached.pilot_row.pilot == pilots.pilot_x


def test_totals_per_kind(reached, world, pilots):
    services.people_reached_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        pilot=pilots.pilot_y,
        what="trained",
        total=10,
        men=10,
    )
    totals = {entry.what: entry for entry in budget.reach_totals(PeopleReached.objects.all())}
    assert (totals["trained"].total, totals["trained"].women, totals["trained"].men) == (50, 25, 24)
    assert totals["trained"].shares.women_pct == Decimal("50.0")
    assert totals["interviewed"].shares.women_pct == Decimal("45.7")


def test_a_breakdown_exceeding_its_total_is_refused(world, pilots):
    with pytest.raises(ValidationError) as refused:
        services.people_reached_save(
            actor=world.users["facilitator"],
            programme=pilots.programme,
            what="trained",
            total=10,
            women=6,
            men=5,
        )
    assert "total" in refused.value.message_dict
    assert "11" in refused.value.message_dict["total"][0]
    assert not PeopleReached.objects.exists()


def test_an_activity_of_another_pilot_is_refused(reached, world, pilots):
    with pytest.raises(ValidationError) as refused:
        services.people_reached_save(
            actor=world.users["facilitator"],
            programme=pilots.programme,
            pilot=pilots.pilot_y,
            activity=reached.activity,
            what="trained",
            total=1,
        )
    assert "activity" in refused.value.message_dict


@pytest.mark.parametrize(
    ("role", "sees_programme_row", "sees_pilot_x_row"),
    [
        ("facilitator", True, True),
        ("customer_a", True, True),
        ("customer_b", True, False),  # sees the programme through pilot Y only
        ("supplier", True, True),
        ("ngo", True, True),
        ("anonymous", False, False),
    ],
)
def test_access_matrix(reached, world, role, sees_programme_row, sees_pilot_x_row):
    user = world.users[role]
    visible = set(access.scope(user, PeopleReached.objects.all()).values_list("pk", flat=True))
    assert (reached.programme_row.pk in visible) == sees_programme_row
    assert (reached.pilot_row.pk in visible) == sees_pilot_x_row
    editable = access.scope(user, PeopleReached.objects.all(), access.EDIT).exists()
    assert editable == (role == "facilitator")


def test_the_page_shows_people_reached_with_shares(reached, page_client, pilots):
    body = page_client("customer_b").get(pilots.programme.get_absolute_url()).content.decode()
    assert "People reached" in body
    assert "69 (45.7%)" in body
    assert "Supervisor training" not in body  # pilot X's count is not customer B's to see
    body = page_client("facilitator").get(pilots.programme.get_absolute_url()).content.decode()
    assert "25 (62.5%)" in body
    assert "Add a count" in body


def test_the_facilitator_records_a_count_in_the_browser(pilots, page_client):
    from django.urls import reverse

    client = page_client("facilitator")
    url = reverse("pilots:programme_row_create", args=[pilots.programme.pk, "people-reached"])
    refused = client.post(url, {"what": "trained", "total": "5", "women": "4", "men": "3"})
    assert refused.status_code == 400
    assert "more than the total" in refused.content.decode()
    saved = client.post(url, {"what": "trained", "total": "7", "women": "4", "men": "3"})
    assert saved.status_code == 302
    assert PeopleReached.objects.get().men == 3


def test_api_answers(reached, api_client, pilots):
    api = api_client("facilitator")
    rows = api.get("/api/v1/people-reached/", {"programme": pilots.programme.pk}).json()
    assert len(rows["results"]) == 2
    row = api.get(f"/api/v1/people-reached/{reached.programme_row.pk}/").json()
    assert row["women_pct"] == "45.7"
    assert row["men_pct"] is None
    assert row["unrecorded"] == 82
    assert row["unrecorded_pct"] == "54.3"
    refused = api.post(
        "/api/v1/people-reached/",
        {"programme": pilots.programme.pk, "what": "trained", "total": 3, "women": 4},
        format="json",
    )
    assert refused.status_code == 400
    assert "total" in refused.json()["errors"]
    created = api.post(
        "/api/v1/people-reached/",
        {"programme": pilots.programme.pk, "what": "reached", "total": 4, "women": 3},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["women_pct"] == "75"
    hidden = api_client("customer_b").get(f"/api/v1/people-reached/{reached.pilot_row.pk}/")
    assert hidden.status_code == 404
