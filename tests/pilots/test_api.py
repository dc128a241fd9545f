"""The pilots API: who sees what, workflow moves and their refusals (409), agreements, optimistic
locking, uploads and the cost of the pilot list."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csrplatform.reviews.models import Review
from pilots import services
from pilots.models import Comment, Document, PilotStatusChange
from tests.factories import SupplierFactory

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"

# Which pilots each role sees, by the `pilots` fixture's attribute names.
VISIBLE_PILOTS = {
    "facilitator": {"pilot_x", "pilot_y"},
    "customer_a": {"pilot_x"},
    "customer_b": {"pilot_y"},
    "supplier": {"pilot_x"},
    "ngo": {"pilot_x"},
    "anonymous": set(),
}
ROLES = list(VISIBLE_PILOTS)
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def pdf(name="report.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def move(api, pilot, *statuses):
    for status in statuses:
        response = api.post(f"/api/v1/pilots/{pilot.pk}/transition/", {"status": status})
        assert response.status_code == 200, response.content


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pilot_list_shows_only_the_pilots_the_role_takes_part_in(pilots, api_client, role):
    response = api_client(role).get("/api/v1/pilots/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    expected = {getattr(pilots, name).title for name in VISIBLE_PILOTS[role]}
    assert {row["title"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["pilot_x", "pilot_y"])
def test_pilot_detail_is_404_outside_the_scope(pilots, api_client, role, name):
    pilot = getattr(pilots, name)
    response = api_client(role).get(f"/api/v1/pilots/{pilot.pk}/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif name in VISIBLE_PILOTS[role]:
        assert response.status_code == 200
        assert response.json()["title"] == pilot.title
    else:
        assert response.status_code == 404


@pytest.fixture
def story_of_pilot_y(world, pilots, settings, tmp_path):
    """A comment and a document on pilot Y, by its inviting customer."""
    settings.MEDIA_ROOT = tmp_path
    customer_b = world.users["customer_b"]
    facilitator = world.users["facilitator"]
    comment = services.comment_add(actor=customer_b, pilot=pilots.pilot_y, body="Going well")
    document = services.document_upload(actor=customer_b, pilot=pilots.pilot_y, upload=pdf())
    deliverable = services.deliverable_save(
        actor=facilitator, pilot=pilots.pilot_y, title="Hotline evaluation"
    )
    activity = services.activity_save(
        actor=facilitator,
        pilot=pilots.pilot_y,
        kind="meeting",
        date=datetime.date(2007, 9, 15),
        title="Kick-off",
    )
    scope_change = services.scope_change_save(
        actor=facilitator,
        pilot=pilots.pilot_y,
        proposed_on=datetime.date(2007, 10, 1),
        proposed_by=world.supplier_y.organisation,
        description="Evaluate, not install",
    )
    [agreement, *_] = services.phase_request_agreement(actor=facilitator, phase=pilots.phase_y1)
    return {
        "phases": pilots.phase_y1,
        "comments": comment,
        "documents": document,
        "deliverables": deliverable,
        "activities": activity,
        "scope-changes": scope_change,
        "participants": pilots.pilot_y.participants.get(organisation=world.customer_b),
        "agreements": agreement,
    }


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize(
    "endpoint",
    [
        "phases",
        "comments",
        "documents",
        "deliverables",
        "activities",
        "scope-changes",
        "participants",
        "agreements",
    ],
)
def test_parts_of_pilot_y_are_404_for_those_outside_it(
    story_of_pilot_y, api_client, role, endpoint
):
    obj = story_of_pilot_y[endpoint]
    api = api_client(role)
    detail = api.get(f"/api/v1/{endpoint}/{obj.pk}/")
    listed = {row["id"] for row in api.get(f"/api/v1/{endpoint}/").json()["results"]}
    if "pilot_y" in VISIBLE_PILOTS[role]:
        assert detail.status_code == 200
        assert obj.pk in listed
    else:
        assert detail.status_code == 404
        assert obj.pk not in listed


def test_ngo_cannot_comment_on_or_upload_to_a_pilot_it_is_not_in(
    world, pilots, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    api = api_client("ngo")
    comment = api.post("/api/v1/comments/", {"pilot": pilots.pilot_y.pk, "body": "Hello"})
    upload = api.post(
        "/api/v1/documents/", {"pilot": pilots.pilot_y.pk, "file": pdf()}, format="multipart"
    )
    # Pilot Y is not among the NGO's choices: the same answer as for an id that does not exist.
    assert comment.status_code == 400
    assert "pilot" in comment.json()["errors"]
    assert upload.status_code == 400
    assert "pilot" in upload.json()["errors"]
    assert not Comment.objects.exists()
    assert not Document.objects.exists()


def test_participants_comment_through_the_api(world, pilots, api_client):
    response = api_client("ngo").post(
        "/api/v1/comments/", {"pilot": pilots.pilot_x.pk, "body": "Training went well"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == world.ngo_org.pk
    assert response.json()["author"] == "ngo@example.org"


# --- the workflow ----------------------------------------------------------------------------


def test_transition_moves_the_pilot_and_records_it(world, pilots, api_client):
    api = api_client("facilitator")
    response = api.post(
        f"/api/v1/pilots/{pilots.pilot_x.pk}/transition/",
        {"status": "scoping", "reason": "Kick-off held", "effective_on": "2007-11-05"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "scoping"
    assert response.json()["version"] == pilots.pilot_x.version + 1

    history = api.get(f"/api/v1/pilots/{pilots.pilot_x.pk}/history/").json()
    # In the order things happened in the programme: the recorded move dates from 2007.
    assert [(row["from_status"], row["to_status"]) for row in history] == [
        ("proposed", "scoping"),
        ("", "proposed"),
    ]
    assert {key: history[0][key] for key in ("effective_on", "reason", "actor")} == {
        "effective_on": "2007-11-05",
        "reason": "Kick-off held",
        "actor": "facilitator@example.org",
    }


def test_an_illegal_move_is_409_and_changes_nothing(pilots, api_client):
    pilot = pilots.pilot_x
    before = (pilot.status, pilot.version, PilotStatusChange.objects.count())
    response = api_client("facilitator").post(
        f"/api/v1/pilots/{pilot.pk}/transition/", {"status": "completed", "reason": "x"}
    )
    assert response.status_code == 409
    assert "cannot become" in response.json()["detail"]
    pilot.refresh_from_db()
    assert (pilot.status, pilot.version, PilotStatusChange.objects.count()) == before


def test_a_move_without_a_required_reason_is_400(pilots, api_client):
    response = api_client("facilitator").post(
        f"/api/v1/pilots/{pilots.pilot_x.pk}/transition/", {"status": "stalled"}
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_participants_do_not_move_the_pilot(pilots, api_client, role):
    response = api_client(role).post(
        f"/api/v1/pilots/{pilots.pilot_x.pk}/transition/", {"status": "scoping"}
    )
    # They may read the pilot but not change it: a write outside the edit scope is a 404.
    assert response.status_code == 404
    pilots.pilot_x.refresh_from_db()
    assert pilots.pilot_x.status == "proposed"


def test_phase_starts_once_every_participant_agreed_through_the_api(world, pilots, api_client):
    facilitator = api_client("facilitator")
    phase = pilots.phase_x1
    move(facilitator, pilots.pilot_x, "scoping", "agreed")

    early = facilitator.post(f"/api/v1/phases/{phase.pk}/start/")
    assert early.status_code == 409
    assert "Still waiting for" in early.json()["detail"]

    requested = facilitator.post(f"/api/v1/phases/{phase.pk}/request-agreement/")
    assert requested.status_code == 200
    assert {row["reviewer"] for row in requested.json()} == {
        world.facilitator_org.pk,
        world.supplier_x.organisation_id,
        world.customer_a.pk,
        world.ngo_org.pk,
    }

    for role in ("supplier", "customer_a", "ngo", "facilitator"):
        agreed = api_client(role).post(f"/api/v1/phases/{phase.pk}/agree/", {"note": "Agreed"})
        assert agreed.status_code == 200, (role, agreed.content)
        assert agreed.json()["status"] == "approved"

    listed = api_client("ngo").get("/api/v1/agreements/", {"phase": phase.pk}).json()["results"]
    assert len(listed) == 4
    assert {row["status"] for row in listed} == {"approved"}

    started = facilitator.post(f"/api/v1/phases/{phase.pk}/start/", {"started_on": "2008-01-07"})
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "in_progress"
    assert started.json()["actual_start"] == "2008-01-07"
    pilots.pilot_x.refresh_from_db()
    assert pilots.pilot_x.status == "in_progress"


def test_agreement_refusals_by_the_services_map_to_403_400_and_404(world, pilots, api_client):
    phase = pilots.phase_x1
    # Nothing was asked yet: the service refuses someone who can see the phase.
    nothing_asked = api_client("supplier").post(f"/api/v1/phases/{phase.pk}/agree/")
    assert nothing_asked.status_code == 403
    assert "Nothing waits for your agreement" in nothing_asked.json()["detail"]

    api_client("facilitator").post(f"/api/v1/phases/{phase.pk}/request-agreement/")
    no_reason = api_client("supplier").post(f"/api/v1/phases/{phase.pk}/decline/", {"reason": ""})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]

    declined = api_client("supplier").post(
        f"/api/v1/phases/{phase.pk}/decline/", {"reason": "Sampling protocol not acceptable"}
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "returned"

    # Customer B cannot see pilot X's phase at all, nor speak for others in it.
    assert api_client("customer_b").post(f"/api/v1/phases/{phase.pk}/agree/").status_code == 404
    for_others = api_client("customer_a").post(
        f"/api/v1/phases/{phase.pk}/agree/", {"organisation": world.ngo_org.pk}
    )
    assert for_others.status_code == 403
    assert Review.objects.filter(status="approved").count() == 0


def test_agreements_list_only_what_the_role_may_see(world, pilots, api_client):
    facilitator = world.users["facilitator"]
    services.phase_request_agreement(actor=facilitator, phase=pilots.phase_x1)
    services.phase_request_agreement(actor=facilitator, phase=pilots.phase_y1)

    def phases_seen(role):
        rows = api_client(role).get("/api/v1/agreements/").json()["results"]
        return {row["phase"] for row in rows}

    assert phases_seen("facilitator") == {pilots.phase_x1.pk, pilots.phase_y1.pk}
    assert phases_seen("ngo") == {pilots.phase_x1.pk}
    assert phases_seen("customer_b") == {pilots.phase_y1.pk}


def test_an_invitee_responds_through_the_api(world, pilots, api_client):
    newcomer = SupplierFactory(organisation__name="Peer supplier").organisation
    invited = api_client("facilitator").post(
        "/api/v1/participants/",
        {"pilot": pilots.pilot_x.pk, "organisation": newcomer.pk, "role": "consultant"},
    )
    assert invited.status_code == 201, invited.content
    assert invited.json()["invitation_status"] == "invited"

    without_reason = api_client("facilitator").post(
        f"/api/v1/participants/{invited.json()['id']}/respond/", {"accept": False}
    )
    assert without_reason.status_code == 400
    declined = api_client("facilitator").post(
        f"/api/v1/participants/{invited.json()['id']}/respond/",
        {"accept": False, "reason": "No clear benefits"},
    )
    assert declined.status_code == 200
    assert declined.json()["invitation_status"] == "declined"
    assert declined.json()["decline_reason"] == "No clear benefits"


# --- optimistic locking ----------------------------------------------------------------------


def test_an_edit_from_an_old_version_is_409_and_keeps_the_first_edit(pilots, api_client):
    api = api_client("facilitator")
    url = f"/api/v1/pilots/{pilots.pilot_x.pk}/"
    opened = api.get(url).json()["version"]

    first = api.patch(url, {"version": opened, "outcomes": "First editor's outcomes"})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == opened + 1

    second = api.patch(url, {"version": opened, "outcomes": "Second editor's"})
    assert second.status_code == 409
    assert "after you opened it" in second.json()["detail"]

    without_version = api.patch(url, {"outcomes": "Third"})
    assert without_version.status_code == 400
    assert "version" in without_version.json()["errors"]

    pilots.pilot_x.refresh_from_db()
    assert pilots.pilot_x.outcomes == "First editor's outcomes"


def test_a_pilot_is_created_with_its_invitations(world, pilots, api_client):
    response = api_client("facilitator").post(
        "/api/v1/pilots/",
        {
            "programme": pilots.programme.pk,
            "supplier": world.supplier_x.pk,
            "title": "Pilot X2",
            "pilot_type": "ehs_committee",
            "approach": "group_training",
            "participants": [{"organisation": world.customer_a.pk, "role": "inviting_customer"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed"
    assert body["version"] == 1
    assert body["phase_count"] == 0
    assert {(row["organisation"], row["role"]) for row in body["participants"]} == {
        (world.supplier_x.organisation_id, "supplier"),
        (world.facilitator_org.pk, "facilitator"),
        (world.customer_a.pk, "inviting_customer"),
    }


# --- documents -------------------------------------------------------------------------------


def test_the_ngo_uploads_a_pdf(world, pilots, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api_client("ngo").post(
        "/api/v1/documents/",
        {"pilot": pilots.pilot_x.pk, "kind": "report", "visibility": "all_participants"}
        | {"file": pdf()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert body["title"] == "report.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["uploaded_for"] == world.ngo_org.pk
    assert body["download_url"] == f"http://testserver/pilots/documents/{document.pk}/"
    assert (tmp_path / document.file.name).read_bytes() == PDF_BYTES


def test_a_document_does_not_name_an_uploader_the_caller_may_not_see(
    world, pilots, api_client, settings, tmp_path
):
    # The NGO sees customer A as a fellow participant of pilot X, not customer A's people.
    settings.MEDIA_ROOT = tmp_path
    uploaded = api_client("customer_a").post(
        "/api/v1/documents/",
        {"pilot": pilots.pilot_x.pk, "visibility": "all_participants", "file": pdf()},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["uploaded_by"] == "customer-a@example.org"
    url = f"/api/v1/documents/{uploaded.json()['id']}/"
    [listed] = api_client("ngo").get("/api/v1/documents/").json()["results"]
    for seen in (listed, api_client("ngo").get(url).json()):
        assert seen["uploaded_by"] is None
        assert (seen["uploaded_for"], seen["uploaded_for_name"]) == (
            world.customer_a.pk,
            "Customer A",
        )
    assert api_client("facilitator").get(url).json()["uploaded_by"] == "customer-a@example.org"


def test_a_png_named_pdf_is_refused_and_nothing_is_stored(pilots, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = Document.objects.count()
    response = api_client("ngo").post(
        "/api/v1/documents/",
        {"pilot": pilots.pilot_x.pk, "kind": "report", "file": pdf(content=PNG_BYTES)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not what it claims to be" in str(response.json())
    assert Document.objects.count() == before
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_facilitator_only_documents_are_not_listed_for_the_customer(
    world, pilots, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    uploaded = api_client("ngo").post(
        "/api/v1/documents/",
        {"pilot": pilots.pilot_x.pk, "visibility": "facilitator_only", "file": pdf()},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    document_id = uploaded.json()["id"]

    def listed(role):
        rows = api_client(role).get("/api/v1/documents/", {"pilot": pilots.pilot_x.pk}).json()
        return {row["id"] for row in rows["results"]}

    assert document_id not in listed("customer_a")
    assert api_client("customer_a").get(f"/api/v1/documents/{document_id}/").status_code == 404
    assert document_id in listed("facilitator")
    assert document_id in listed("ngo")


def test_the_supplier_replies_to_the_ngos_assessment(world, pilots, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    uploaded = api_client("ngo").post(
        "/api/v1/documents/",
        {"pilot": pilots.pilot_x.pk, "kind": "assessment_report", "file": pdf("assessment.pdf")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    url = f"/api/v1/documents/{uploaded.json()['id']}/reply/"

    not_theirs = api_client("customer_a").post(url, {"reply": "Looks fine", "accept": True})
    assert not_theirs.status_code == 403
    replied = api_client("supplier").post(url, {"reply": "We dispute item 3", "accept": False})
    assert replied.status_code == 200, replied.content
    assert replied.json()["status"] == "returned"
    assert replied.json()["note"] == "We dispute item 3"
    again = api_client("supplier").post(url, {"reply": "Again", "accept": True})
    assert again.status_code == 400


# --- query counts ----------------------------------------------------------------------------


def add_pilots(world, pilots, count):
    facilitator = world.users["facilitator"]
    for _ in range(count):
        supplier = SupplierFactory()
        pilot = services.pilot_create(
            actor=facilitator,
            programme=pilots.programme,
            supplier=supplier,
            title=f"Pilot at {supplier.organisation.name}",
            pilot_type="worker_training",
            approach="group_training",
            participants=[(world.customer_a, "inviting_customer")],
        )
        services.phase_save(actor=facilitator, pilot=pilot, title="Benchmarking")


def count_queries(api, url):
    api.get(url)  # warm-up: per-process caches (content types, the user's actor)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_pilot_list_queries_do_not_grow_with_pilots(world, pilots, api_client):
    api = api_client("facilitator")
    add_pilots(world, pilots, 1)
    few, listed = count_queries(api, "/api/v1/pilots/")
    assert listed == 3
    add_pilots(world, pilots, 6)
    many, listed = count_queries(api, "/api/v1/pilots/")
    assert listed == 9
    # The rows (programme, supplier and its organisation joined; phase and late-deliverable
    # counts annotated) and the participants with their organisations; no count (keyset).
    assert few == many == 2


# --- the rest of the story, written through the services ---------------------------------------


def test_facilitator_sets_up_a_programme_and_others_may_not(world, api_client):
    body = {"title": "Hanoi garments", "facilitator": world.facilitator_org.pk}
    created = api_client("facilitator").post(
        "/api/v1/programmes/", body | {"sponsors": [world.customer_a.pk]}
    )
    assert created.status_code == 201, created.content
    assert created.json()["pilot_count"] == 0
    assert created.json()["sponsors"] == [world.customer_a.pk]

    url = f"/api/v1/programmes/{created.json()['id']}/"
    changed = api_client("facilitator").patch(url, {"region": "Red River delta"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["region"] == "Red River delta"
    assert changed.json()["sponsors"] == [world.customer_a.pk]

    duplicate = api_client("facilitator").post("/api/v1/programmes/", body)
    assert duplicate.status_code == 400
    assert "title" in duplicate.json()["errors"]
    # The sponsor sees the programme but does not change it or add others.
    assert api_client("customer_a").get(url).status_code == 200
    assert api_client("customer_a").patch(url, {"region": "x"}).status_code == 404
    assert api_client("customer_a").post("/api/v1/programmes/", body).status_code == 403


def test_facilitator_records_phases_deliverables_activities_and_scope_changes(
    world, pilots, api_client
):
    api = api_client("facilitator")
    pilot = pilots.pilot_x.pk
    phase = api.post("/api/v1/phases/", {"pilot": pilot, "title": "Training"})
    assert phase.status_code == 201, phase.content
    assert phase.json()["number"] == 2
    renamed = api.patch(f"/api/v1/phases/{phase.json()['id']}/", {"title": "Worker training"})
    assert renamed.status_code == 200
    moved = api.patch(f"/api/v1/phases/{phase.json()['id']}/", {"pilot": pilots.pilot_y.pk})
    assert moved.status_code == 400

    deliverable = api.post(
        "/api/v1/deliverables/",
        {
            "pilot": pilot,
            "phase": phase.json()["id"],
            "title": "Site visit report",
            "kind": "site_visit_report",
            "responsible": world.ngo_org.pk,
            "due_date": "2008-03-01",
        },
    )
    assert deliverable.status_code == 201, deliverable.content
    delivered = api.patch(
        f"/api/v1/deliverables/{deliverable.json()['id']}/", {"delivered_on": "2008-03-05"}
    )
    assert delivered.status_code == 200
    assert delivered.json()["is_late"] is True
    # A phase of another pilot is refused by the service.
    elsewhere = api.post(
        "/api/v1/deliverables/",
        {"pilot": pilot, "phase": pilots.phase_y1.pk, "title": "Misfiled"},
    )
    assert elsewhere.status_code == 400
    assert "phase" in elsewhere.json()["errors"]

    activity = api.post(
        "/api/v1/activities/",
        {
            "pilot": pilot,
            "kind": "site_visit",
            "date": "2008-02-12",
            "title": "First visit",
            "participants": [world.ngo_org.pk, world.supplier_x.organisation_id],
            "person_days": "1.50",
        },
    )
    assert activity.status_code == 201, activity.content
    assert set(activity.json()["participants"]) == {
        world.ngo_org.pk,
        world.supplier_x.organisation_id,
    }

    scope_change = api.post(
        "/api/v1/scope-changes/",
        {
            "pilot": pilot,
            "proposed_on": "2008-02-20",
            "proposed_by": world.customer_a.pk,
            "description": "Add the second dormitory",
        },
    )
    assert scope_change.status_code == 201, scope_change.content
    accepted = api.patch(
        f"/api/v1/scope-changes/{scope_change.json()['id']}/", {"status": "accepted"}
    )
    assert accepted.status_code == 200
    assert accepted.json()["decided_on"] is not None

    listed = api_client("ngo").get("/api/v1/activities/", {"pilot": pilot}).json()["results"]
    assert [row["title"] for row in listed] == ["First visit"]


@pytest.mark.parametrize("endpoint", ["phases", "deliverables", "activities", "scope-changes"])
def test_participants_read_but_do_not_write_a_pilots_parts(pilots, api_client, endpoint):
    api = api_client("customer_a")
    assert api.get(f"/api/v1/{endpoint}/", {"pilot": pilots.pilot_x.pk}).status_code == 200
    response = api.post(f"/api/v1/{endpoint}/", {"pilot": pilots.pilot_x.pk, "title": "Mine"})
    assert response.status_code == 403
    phase = api.patch(f"/api/v1/phases/{pilots.phase_x1.pk}/", {"title": "Mine"})
    assert phase.status_code == 404


def test_a_hostile_file_name_is_refused_through_the_api(pilots, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    boundary = "----apiboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="pilot"\r\n\r\n'
            f"{pilots.pilot_x.pk}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../etc/passwd.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF_BYTES
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = api_client("ngo").generic(
        "POST", "/api/v1/documents/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "folders" in str(response.json())
    assert not Document.objects.exists()


def test_programme_pilot_counts_only_count_visible_pilots(pilots, api_client, page_client):
    counts = {
        role: api_client(role)
        .get(f"/api/v1/programmes/{pilots.programme.pk}/")
        .json()["pilot_count"]
        for role in ("facilitator", "customer_a")
    }
    assert counts == {"facilitator": 2, "customer_a": 1}
    from django.urls import reverse

    listed = page_client("customer_a").get(reverse("pilots:programme_list")).context["object_list"]
    assert [programme.pilot_count for programme in listed] == [1]


def test_a_document_does_not_name_an_earlier_version_the_caller_may_not_see(
    world, pilots, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    facilitator = world.users["facilitator"]
    draft = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        kind="report",
        visibility="facilitator_only",
        upload=pdf(),
    )
    final = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        kind="report",
        replaces=draft,
        upload=SimpleUploadedFile("final.pdf", PDF_BYTES + b"% final\n"),
    )
    seen_by_customer = api_client("customer_a").get(f"/api/v1/documents/{final.pk}/").json()
    seen_by_facilitator = api_client("facilitator").get(f"/api/v1/documents/{final.pk}/").json()
    assert seen_by_customer["root"] is None
    assert seen_by_facilitator["root"] == draft.pk


# --- side doors: what an answer names, what a refusal tells -------------------------------------


def field_errors(response) -> dict:
    """The per-field errors of a 400, whichever shape the API answers them in."""
    body = response.json()
    return body.get("errors", body) if isinstance(body, dict) else {}


def test_an_activity_names_only_the_organisations_the_caller_may_see(world, pilots, api_client):
    """Supplier Y, of another pilot, was at pilot X's peer visit: those who may not see it get
    the activity without its name."""
    activity = services.activity_save(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        kind="peer_visit",
        date=datetime.date(2008, 3, 15),
        title="Visit to a peer company",
        participants=[
            world.supplier_x.organisation,
            world.customer_a,
            world.supplier_y.organisation,
        ],
    )
    everyone = {world.supplier_x.organisation_id, world.customer_a.pk}
    for role in ("customer_a", "supplier", "ngo"):
        api = api_client(role)
        detail = api.get(f"/api/v1/activities/{activity.pk}/").json()
        [listed] = api.get("/api/v1/activities/").json()["results"]
        assert set(detail["participants"]) == set(listed["participants"]) == everyone, role
    seen_by_facilitator = api_client("facilitator").get(f"/api/v1/activities/{activity.pk}/")
    assert set(seen_by_facilitator.json()["participants"]) == everyone | {
        world.supplier_y.organisation_id
    }


def test_a_pilots_parts_name_only_its_own_organisations(world, pilots, api_client):
    """A deliverable's responsible and a scope change's proposer are shown to everyone on the
    pilot, so they are among the pilot's organisations."""
    api = api_client("facilitator")
    outsider = api.post(
        "/api/v1/deliverables/",
        {"pilot": pilots.pilot_x.pk, "title": "Report", "responsible": world.customer_b.pk},
    )
    assert outsider.status_code == 400
    assert "responsible" in field_errors(outsider)
    proposer = api.post(
        "/api/v1/scope-changes/",
        {
            "pilot": pilots.pilot_x.pk,
            "proposed_on": "2008-02-20",
            "proposed_by": world.supplier_y.organisation_id,
            "description": "Add the dormitory",
        },
    )
    assert proposer.status_code == 400
    assert "proposed_by" in field_errors(proposer)
    inside = api.post(
        "/api/v1/deliverables/",
        {"pilot": pilots.pilot_x.pk, "title": "Report", "responsible": world.ngo_org.pk},
    )
    assert inside.status_code == 201, inside.content


def test_versions_are_counted_among_those_the_caller_may_see(
    world, pilots, api_client, settings, tmp_path
):
    """A visible second version whose first is hidden reads as a first version: `version: 2`
    would tell of the hidden one."""
    settings.MEDIA_ROOT = tmp_path
    facilitator = world.users["facilitator"]
    draft = services.document_upload(
        actor=facilitator, pilot=pilots.pilot_x, visibility="facilitator_only", upload=pdf()
    )
    final = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        replaces=draft,
        upload=SimpleUploadedFile("final.pdf", PDF_BYTES + b"% final\n"),
    )
    revised = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        replaces=final,
        upload=SimpleUploadedFile("revised.pdf", PDF_BYTES + b"% revised\n"),
    )

    def versions(role):
        rows = api_client(role).get("/api/v1/documents/").json()["results"]
        details = [api_client(role).get(f"/api/v1/documents/{row['id']}/").json() for row in rows]
        assert [(row["version"], row["root"]) for row in rows] == [
            (row["version"], row["root"]) for row in details
        ]
        return {row["id"]: (row["version"], row["root"]) for row in rows}

    assert versions("facilitator") == {
        draft.pk: (1, None),
        final.pk: (2, draft.pk),
        revised.pk: (3, draft.pk),
    }
    for role in ("customer_a", "supplier", "ngo"):
        assert versions(role) == {final.pk: (1, None), revised.pk: (2, final.pk)}, role


def test_a_copy_of_a_hidden_document_is_stored_through_the_api(
    world, pilots, api_client, settings, tmp_path
):
    """Only the documents the uploader may see count as copies: refusing the same bytes as a
    hidden document would confirm that it exists."""
    settings.MEDIA_ROOT = tmp_path
    services.document_upload(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        visibility="facilitator_only",
        upload=pdf("exit-plan.pdf"),
    )
    api = api_client("ngo")
    stored = api.post(
        "/api/v1/documents/", {"pilot": pilots.pilot_x.pk, "file": pdf()}, format="multipart"
    )
    assert stored.status_code == 201, stored.content
    assert (stored.json()["version"], stored.json()["root"]) == (1, None)
    again = api.post(
        "/api/v1/documents/", {"pilot": pilots.pilot_x.pk, "file": pdf()}, format="multipart"
    )
    assert again.status_code == 400
    assert "already here" in str(again.json())
    assert "exit-plan" not in str(again.json())
    assert Document.objects.count() == 2


def test_programme_titles_are_unique_per_facilitator(world, api_client):
    """Another facilitator's programme of the same title is not spoken of."""
    from pilots.models import Programme
    from tests.factories import OrganisationFactory, member

    other = OrganisationFactory(name="Other facilitator", kind="facilitator")
    services.programme_save(
        actor=member(other, email="other@example.org"), title="Hanoi garments", facilitator=other
    )
    body = {"title": "Hanoi garments", "facilitator": world.facilitator_org.pk}
    created = api_client("facilitator").post("/api/v1/programmes/", body)
    assert created.status_code == 201, created.content
    again = api_client("facilitator").post("/api/v1/programmes/", body)
    assert again.status_code == 400
    assert "title" in field_errors(again)
    assert Programme.objects.filter(title="Hanoi garments").count() == 2
