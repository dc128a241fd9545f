"""The home page tells each role what waits on it, its pilots, the corrective actions due and
overdue and, for facilitators, the programme at a glance; the menu counts the inbox. Both in a
fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits import services as audit_services
from csrplatform.inbox import inbox_count, inbox_items
from pilots import services as pilot_services


def home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_facilitator_sees_the_programme_at_a_glance(world, pilots, audits, page_client):
    page = home(page_client("facilitator"))
    assert 'id="home-waiting"' in page
    assert 'id="home-pilots"' in page
    assert "Pilot X" in page
    assert "Pilot Y" in page
    assert 'id="home-programme"' in page
    assert 'data-status-count="proposed">2<' in page
    assert 'id="home-actions"' in page
    assert 'data-count="open">2<' in page
    assert reverse("audits:action_board") in page


def test_a_customer_sees_its_pilots_and_its_suppliers_actions_only(
    world, pilots, audits, page_client
):
    page = home(page_client("customer_a"))
    assert "Pilot X" in page
    assert "Pilot Y" not in page
    assert 'id="home-programme"' not in page
    assert 'data-count="open">1<' in page
    assert "Delegate overtime approval" in page
    assert "EHS committee" not in page


def test_a_supplier_sees_its_overdue_action_in_what_waits(world, pilots, audits, page_client):
    audits.action_x.due_date = timezone.localdate() - datetime.timedelta(days=3)
    audits.action_x.save()
    page = home(page_client("supplier"))
    assert "Overdue: Delegate overtime approval to the factory" in page
    assert 'data-count="overdue">1<' in page
    assert 'id="inbox-count"' in page


def test_an_ngo_sees_the_phase_waiting_for_its_agreement(world, pilots, page_client):
    pilot_services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    page = home(page_client("ngo"))
    assert "Agreement to a phase: 1. Benchmarking" in page
    assert "Pilot X" in page
    assert "Pilot Y" not in page
    assert 'id="home-actions"' not in page  # no corrective action it may see


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "customer_b", "supplier", "ngo"])
def test_the_menu_count_is_the_number_of_inbox_items(world, pilots, audits, role):
    facilitator = world.users["facilitator"]
    pilot_services.phase_request_agreement(actor=facilitator, phase=pilots.phase_x1)
    audit_services.action_submit(actor=world.users["supplier"], action=audits.action_x, note="Done")
    audits.action_y.due_date = timezone.localdate() - datetime.timedelta(days=1)
    audits.action_y.save()
    user = world.users[role]
    assert inbox_count(user) == len(inbox_items(user))


def queries(client, url):
    client.get(url)  # warm-up of per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add(world, pilots, audits, count, start=0):
    """`count` more pilots (each with a phase put to agreement) and overdue actions."""
    facilitator = world.users["facilitator"]
    for number in range(start, start + count):
        pilot = pilot_services.pilot_create(
            actor=facilitator,
            programme=pilots.programme,
            supplier=world.supplier_x,
            title=f"Extra pilot {number}",
            pilot_type="other",
            approach="group_training",
            participants=[(world.customer_a, "inviting_customer")],
        )
        phase = pilot_services.phase_save(actor=facilitator, pilot=pilot, title="One")
        pilot_services.phase_request_agreement(actor=facilitator, phase=phase)
        audit_services.action_create(
            actor=facilitator,
            finding=audits.finding_x,
            action=f"Extra action {number}",
            owner=world.users["supplier"],
            due_date=timezone.localdate() - datetime.timedelta(days=number + 1),
        )


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "supplier"])
def test_home_queries_do_not_grow(world, pilots, audits, page_client, role):
    client = page_client(role)
    add(world, pilots, audits, 2)
    few = queries(client, reverse("home"))
    add(world, pilots, audits, 10, start=2)
    # Session, user, memberships; the inbox items (reviews, phases, documents, invitations,
    # verifications, overdue actions); the menu's count (pilot reviews, invitations,
    # verifications, overdue actions); my pilots and their count; pilots per status (the
    # facilitator's); actions' counts in one aggregate and the first few due: a fixed set.
    assert queries(client, reverse("home")) == few


def test_the_menu_count_costs_the_same_on_any_page(world, pilots, audits, page_client):
    client = page_client("customer_a")
    url = reverse("pilots:programme_list")
    add(world, pilots, audits, 1)
    few = queries(client, url)
    add(world, pilots, audits, 6, start=1)
    assert queries(client, url) == few


def test_the_menu_badge_stops_counting_past_99(world, monkeypatch):
    from django.contrib.auth.models import Permission

    from csrplatform import inbox

    user = world.users["facilitator"]
    assert Permission.objects.count() > 100
    many = [lambda user: [Permission.objects.values("pk")]]
    monkeypatch.setattr(inbox, "_COUNTERS", many)
    assert inbox.inbox_count(user, limit=99) == 100
    assert inbox.inbox_badge(user) == "99+"
    three = list(Permission.objects.values_list("pk", flat=True)[:3])
    few = [lambda user: [Permission.objects.filter(pk__in=three).values("pk")]]
    monkeypatch.setattr(inbox, "_COUNTERS", few)
    assert inbox.inbox_badge(user) == "3"
    monkeypatch.setattr(inbox, "_COUNTERS", [])
    assert inbox.inbox_badge(user) == ""
