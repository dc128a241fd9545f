"""A supplier's KPI figure through the one review mechanism, via the pages: the partner sees it
in the inbox, confirms or returns it with a reason; the supplier corrects a returned figure,
which asks again; every step shows in the figure's history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from csrplatform.inbox import inbox_count, inbox_items
from csrplatform.reviews.models import Review, ReviewKind
from metrics.models import Observation

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(page_client, figures, pilots):
    """Supplier X's overtime figure for June 2008, entered on the page."""
    response = page_client("supplier").post(
        reverse("metrics:observation-add"),
        {
            "pilot": pilots.pilot_x.pk,
            "indicator": figures.overtime.pk,
            "kind": "actual",
            "period_start": "2008-06-01",
            "period_end": "2008-06-30",
            "value": "80.5",
            "source": "self_reported",
        },
    )
    assert response.status_code == 302
    return Observation.objects.get(value=Decimal("80.5"))


def detail(observation):
    return reverse("metrics:observation-detail", args=[observation.pk])


def move(observation, name):
    return reverse("metrics:observation-move", args=[observation.pk, name])


def confirm_items(user):
    return [item for item in inbox_items(user) if item.what.startswith("Confirm KPI figure")]


def test_the_ngo_confirms_from_its_inbox(page_client, world, submitted):
    ngo = world.users["ngo"]
    review = Review.objects.get(object_id=submitted.pk, kind=ReviewKind.FIGURE_CONFIRMATION)
    assert review.reviewer == world.ngo_org
    (item,) = confirm_items(ngo)
    assert item.url == detail(submitted)
    assert "Overtime: 80.5 hours a month" in item.what
    assert inbox_count(ngo) >= 1
    # Nobody else is asked.
    assert not confirm_items(world.users["facilitator"])
    assert not confirm_items(world.users["customer_a"])

    client = page_client("ngo")
    inbox_page = client.get(reverse("inbox")).content.decode()
    assert "Confirm KPI figure" in inbox_page
    assert detail(submitted) in inbox_page
    page = client.get(detail(submitted)).content.decode()
    assert 'id="confirm-form"' in page
    assert 'id="return-form"' in page
    response = client.post(move(submitted, "confirm"), {"note": "Checked the time sheets."})
    assert response.status_code == 302
    assert response["Location"] == detail(submitted)
    submitted.refresh_from_db()
    assert submitted.status == "confirmed"
    assert not confirm_items(ngo)
    history = client.get(detail(submitted)).content.decode()
    assert "Checked the time sheets." in history
    assert "approved" in history
    # Confirmed: the supplier no longer changes it, and a second answer changes nothing.
    assert (
        page_client("supplier")
        .get(reverse("metrics:observation-edit", args=[submitted.pk]))
        .status_code
        == 404
    )
    again = client.post(move(submitted, "return"), {"reason": "late"}, follow=True)
    assert "not waiting for confirmation" in again.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "confirmed"


def test_return_then_correct_asks_again(page_client, world, figures, pilots, submitted):
    client = page_client("ngo")
    refused = client.post(move(submitted, "return"), {"reason": ""}, follow=True)
    assert "This field is required" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    client.post(move(submitted, "return"), {"reason": "June had 22 working days, not 20."})
    submitted.refresh_from_db()
    assert submitted.status == "returned"

    supplier = world.users["supplier"]
    (item,) = [i for i in inbox_items(supplier) if i.what.startswith("Correct returned")]
    assert item.url == detail(submitted)
    supplier_client = page_client("supplier")
    page = supplier_client.get(detail(submitted)).content.decode()
    assert "June had 22 working days, not 20." in page
    assert reverse("metrics:observation-edit", args=[submitted.pk]) in page
    response = supplier_client.post(
        reverse("metrics:observation-edit", args=[submitted.pk]),
        {
            "pilot": pilots.pilot_x.pk,
            "supplier": pilots.pilot_x.supplier_id,
            "indicator": figures.overtime.pk,
            "kind": "actual",
            "period_start": "2008-06-01",
            "period_end": "2008-06-30",
            "value": "88.6",
            "unit": "hours a month",
            "source": "self_reported",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert submitted.value == Decimal("88.6")
    assert not [i for i in inbox_items(supplier) if i.what.startswith("Correct returned")]
    (again,) = confirm_items(world.users["ngo"])
    assert "88.6" in again.what
    history = page_client("ngo").get(detail(submitted)).content.decode()
    for step in ("asked", "returned", "June had 22 working days"):
        assert step in history


@pytest.mark.parametrize("role", ["supplier", "customer_a"])
def test_others_who_see_the_figure_cannot_answer(page_client, role, submitted):
    client = page_client(role)
    page = client.get(detail(submitted)).content.decode()
    assert 'id="confirm-form"' not in page
    response = client.post(move(submitted, "confirm"), {}, follow=True)
    assert response.status_code == 200
    assert "Only Training NGO can answer this." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_hidden_figures_are_404(page_client, submitted):
    client = page_client("customer_b")
    assert client.get(detail(submitted)).status_code == 404
    assert client.post(move(submitted, "confirm"), {}).status_code == 404
    assert client.post(move(submitted, "nonsense"), {}).status_code == 404


def test_the_facilitator_confirms_when_the_pilot_has_no_partner(
    page_client, world, figures, pilots
):
    # Pilot Y has no civil-society partner: its supplier's figure is asked of the facilitator.
    from csrplatform.accounts.models import Role
    from tests.factories import member

    user_y = member(world.supplier_y.organisation, Role.EDITOR, email="supplier-y@example.org")
    client = page_client("facilitator")
    client.force_login(user_y)
    response = client.post(
        reverse("metrics:observation-add"),
        {
            "pilot": pilots.pilot_y.pk,
            "indicator": figures.overtime.pk,
            "kind": "actual",
            "period_start": "2008-06-01",
            "period_end": "2008-06-30",
            "value": "66",
            "source": "self_reported",
        },
    )
    assert response.status_code == 302
    observation = Observation.objects.get(value=Decimal("66"))
    facilitator = world.users["facilitator"]
    (item,) = confirm_items(facilitator)
    assert item.url == detail(observation)
    client.force_login(facilitator)
    client.post(move(observation, "confirm"), {})
    observation.refresh_from_db()
    assert observation.status == "confirmed"


def test_a_facilitator_correction_settles_the_pending_request(page_client, world, submitted):
    from metrics import services

    services.observation_save(
        actor=world.users["facilitator"], observation=submitted, value=Decimal("81")
    )
    submitted.refresh_from_db()
    assert submitted.status == "confirmed"
    assert not confirm_items(world.users["ngo"])
