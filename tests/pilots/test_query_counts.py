"""The pilot list and the pilot's story cost the same number of queries for small and large
pilots."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilots import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def grow(world, pilot, count, start=0):
    """Add `count` phases, deliverables, activities, scope changes, documents and comments."""
    facilitator = world.users["facilitator"]
    for number in range(start, start + count):
        phase = services.phase_save(actor=facilitator, pilot=pilot, title=f"Phase {number}")
        services.phase_request_agreement(actor=facilitator, phase=phase)
        services.deliverable_save(
            actor=facilitator,
            pilot=pilot,
            title=f"Report {number}",
            phase=phase,
            due_date=datetime.date(2008, 3, 1),
            responsible=world.ngo_org,
        )
        activity = services.activity_save(
            actor=facilitator,
            pilot=pilot,
            kind="call",
            date=datetime.date(2008, 1, 1 + number % 28),
            title=f"Call {number}",
            phase=phase,
            participants=[world.customer_a, world.ngo_org],
        )
        assert activity.pk
        services.scope_change_save(
            actor=facilitator,
            pilot=pilot,
            proposed_on=datetime.date(2007, 10, 1),
            proposed_by=world.supplier_x.organisation,
            description=f"Change {number}",
            status="accepted",
        )
        services.document_upload(
            actor=world.users["ngo"],
            pilot=pilot,
            phase=phase,
            kind="assessment_report",
            upload=SimpleUploadedFile(f"r{number}.pdf", PDF + f"%{number}\n".encode()),
        )
        services.comment_add(actor=world.users["customer_a"], pilot=pilot, body=f"C{number}")


def queries(client, url):
    client.get(url)  # warm-up of per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "ngo"])
def test_pilot_detail_queries_do_not_grow(world, pilots, page_client, role):
    client = page_client(role)
    url = pilots.pilot_x.get_absolute_url()
    grow(world, pilots.pilot_x, 2)
    few = queries(client, url)
    grow(world, pilots.pilot_x, 6, start=2)
    # Pilot, participants, acting organisations, phases, agreement reviews, documents, reply
    # reviews, deliverables, activities + their participants, scope changes, history,
    # comments, session and user: a fixed set however long the story.
    assert queries(client, url) == few


def test_pilot_list_queries_do_not_grow(world, pilots, page_client):
    client = page_client("facilitator")
    url = reverse("pilots:pilot_list")
    few = queries(client, url)
    for number in range(12):
        services.pilot_create(
            actor=world.users["facilitator"],
            programme=pilots.programme,
            supplier=world.supplier_y,
            title=f"Extra {number}",
            pilot_type="other",
            approach="group_training",
        )
    assert queries(client, url) == few


def test_inbox_queries_do_not_grow(world, pilots, page_client):
    client = page_client("customer_a")
    grow(world, pilots.pilot_x, 1)
    few = queries(client, reverse("inbox"))
    grow(world, pilots.pilot_x, 5, start=1)
    assert queries(client, reverse("inbox")) == few


def test_programme_list_queries_do_not_grow(world, pilots, page_client):
    client = page_client("facilitator")
    url = reverse("pilots:programme_list")
    few = queries(client, url)
    for number in range(3):
        programme = services.programme_save(
            actor=world.users["facilitator"],
            title=f"Programme {number}",
            facilitator=world.facilitator_org,
        )
        services.pilot_create(
            actor=world.users["facilitator"],
            programme=programme,
            supplier=world.supplier_x,
            title=f"Pilot {number}",
            pilot_type="other",
            approach="group_training",
        )
    # Count, the page of programmes with their visible pilot counts, session and user.
    assert queries(client, url) == few
