"""Pilot pages per role: what each sees, what each may do, and bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from csrplatform.reviews.models import Review
from pilots import services
from pilots.models import Comment, Document, Pilot

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

VISIBLE_PILOTS = {
    "facilitator": {"Pilot X", "Pilot Y"},
    "customer_a": {"Pilot X"},
    "customer_b": {"Pilot Y"},
    "supplier": {"Pilot X"},
    "ngo": {"Pilot X"},
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def multipart(fields: dict, name: str, content: bytes, boundary="----csrtestboundary"):
    """A multipart body carrying the file name exactly as given (Django's test client would
    strip folders from it, as browsers do; hostile clients do not)."""
    lines = []
    for key, value in fields.items():
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{key}"', "", str(value)]
    head = "\r\n".join(
        [
            *lines,
            f"--{boundary}",
            f'Content-Disposition: form-data; name="file"; filename="{name}"',
            "Content-Type: application/octet-stream",
            "",
            "",
        ]
    )
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, pilot, name, content, **fields):
    data = {"kind": "assessment_report", "visibility": "all_participants", "title": "", **fields}
    body, content_type = multipart(data, name, content)
    return client.post(
        reverse("pilots:document_upload", args=[pilot.pk]), body, content_type=content_type
    )


@pytest.mark.parametrize("role", list(VISIBLE_PILOTS))
def test_pilot_list_and_detail_per_role(world, pilots, page_client, role):
    client = page_client(role)
    listed = {
        pilot.title for pilot in client.get(reverse("pilots:pilot_list")).context["object_list"]
    }
    assert listed == VISIBLE_PILOTS[role]
    for pilot in (pilots.pilot_x, pilots.pilot_y):
        response = client.get(pilot.get_absolute_url())
        assert response.status_code == (200 if pilot.title in VISIBLE_PILOTS[role] else 404)


def test_anonymous_is_sent_to_login(world, pilots, client):
    response = client.get(pilots.pilot_x.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_pilot_filters(world, pilots, page_client):
    client = page_client("facilitator")

    def titles(**params):
        return [
            p.title for p in client.get(reverse("pilots:pilot_list"), params).context["object_list"]
        ]

    assert titles(pilot_type="worker_hotline") == ["Pilot Y"]
    assert titles(supplier=world.supplier_x.pk) == ["Pilot X"]
    assert titles(country="VN") == ["Pilot Y"]
    assert titles(status="proposed") == ["Pilot X", "Pilot Y"]
    response = client.get(reverse("pilots:pilot_list"), {"status": "flying"})
    assert response.status_code == 400
    assert "status" in response.context["filterset"].errors


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_participants_cannot_edit_or_move_the_pilot(world, pilots, page_client, role):
    client = page_client(role)
    assert client.get(reverse("pilots:pilot_update", args=[pilots.pilot_x.pk])).status_code == 404
    response = client.post(
        reverse("pilots:pilot_transition", args=[pilots.pilot_x.pk]), {"to_status": "scoping"}
    )
    assert response.status_code == 404
    assert Pilot.objects.get(pk=pilots.pilot_x.pk).status == "proposed"


def test_illegal_move_on_the_page_says_why_and_changes_nothing(world, pilots, page_client):
    client = page_client("facilitator")
    response = client.post(
        reverse("pilots:pilot_transition", args=[pilots.pilot_x.pk]),
        {"to_status": "completed"},
        follow=True,
    )
    assert "cannot become completed" in response.content.decode()
    assert Pilot.objects.get(pk=pilots.pilot_x.pk).status == "proposed"


def test_the_page_offers_only_legal_moves(world, pilots, page_client):
    response = page_client("facilitator").get(pilots.pilot_x.get_absolute_url())
    assert [value for value, _ in response.context["transitions"]] == [
        "scoping",
        "stalled",
        "discontinued",
    ]


def test_second_save_of_a_stale_form_is_refused(world, pilots, page_client):
    client = page_client("facilitator")
    url = reverse("pilots:pilot_update", args=[pilots.pilot_x.pk])
    form = client.get(url).context["forms"][0]
    data = {name: value or "" for name, value in form.initial.items() if name in form.fields}
    first = client.post(url, {**data, "outcomes": "Saved first"})
    assert first.status_code == 302
    second = client.post(url, {**data, "outcomes": "Saved second"})
    assert second.status_code == 400
    assert "after you opened it" in second.content.decode()
    assert Pilot.objects.get(pk=pilots.pilot_x.pk).outcomes == "Saved first"


def test_ngo_uploads_an_assessment_and_the_supplier_replies(world, pilots, page_client):
    response = upload(
        page_client("ngo"),
        pilots.pilot_x,
        "assessment.pdf",
        PDF,
        title="Phase 1 findings",
        phase=pilots.phase_x1.pk,
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "assessment.pdf"
    assert document.content_type == "application/pdf"
    assert document.file.name.rsplit("/", 1)[-1] == document.storage_key
    assert "assessment" not in document.file.name
    review = Review.objects.get(kind="assessment_reply")
    assert review.reviewer == world.supplier_x.organisation

    supplier = page_client("supplier")
    inbox = supplier.get(reverse("inbox")).content.decode()
    assert "Phase 1 findings" in inbox
    supplier.post(
        reverse("pilots:assessment_reply", args=[document.pk]),
        {"reply": "We accept findings 1-3; finding 4 is outdated.", "accept": "1"},
    )
    page = page_client("customer_a").get(pilots.pilot_x.get_absolute_url()).content.decode()
    assert "finding 4 is outdated" in page
    assert "Phase 1 findings" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", PNG, "not what it claims"),
        ("report.exe", b"MZ\x90\x00" + b"\x00" * 60, "not one of the accepted types"),
        ("empty.pdf", b"", "empty"),
        ("../../etc/passwd.pdf", PDF, "folders"),
        ("evil\\name.pdf", PDF, "folders"),
        ("report\u202efdp.exe", PDF, "invisible"),
        ("nul\x00l.pdf", PDF, "invisible"),
        ("a" * 300 + ".pdf", PDF, "too long"),
        ("fake.docx", b"PK\x03\x04" + b"\x00" * 40, "not one of the accepted types"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    world, pilots, page_client, tmp_path, name, content, message
):
    response = upload(page_client("ngo"), pilots.pilot_x, name, content)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Document.objects.count() == 0
    assert not Review.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_too_large_upload_is_refused(world, pilots, page_client, settings, tmp_path):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024
    response = upload(page_client("ngo"), pilots.pilot_x, "big.pdf", PDF + b"0" * 2048)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert Document.objects.count() == 0


def test_same_bytes_twice_says_so_and_new_versions_are_kept(world, pilots, page_client):
    client = page_client("ngo")
    upload(client, pilots.pilot_x, "a.pdf", PDF, title="Report")
    again = upload(client, pilots.pilot_x, "copy.pdf", PDF)
    assert again.status_code == 400
    assert "already here" in again.content.decode()
    first = Document.objects.get()
    newer = upload(client, pilots.pilot_x, "a-v2.pdf", PDF + b"% v2\n", replaces=first.pk)
    assert newer.status_code == 302
    versions = list(Document.objects.order_by("version").values_list("version", "title", "root_id"))
    assert versions == [(1, "Report", None), (2, "Report", first.pk)]


def test_downloads_are_access_checked_and_follow_visibility(world, pilots, page_client):
    upload(
        page_client("ngo"),
        pilots.pilot_x,
        "open.pdf",
        PDF,
        title="Open",
        kind="report",
        visibility="all_participants",
    )
    upload(
        page_client("ngo"),
        pilots.pilot_x,
        "private.pdf",
        PDF + b"%x\n",
        title="Private",
        kind="report",
        visibility="facilitator_only",
    )
    upload(
        page_client("ngo"),
        pilots.pilot_x,
        "supplier.pdf",
        PDF + b"%y\n",
        title="Sup",
        kind="report",
        visibility="facilitator_supplier",
    )
    docs = {d.title: d for d in Document.objects.all()}
    expected = {
        "facilitator": {"Open", "Private", "Sup"},
        "ngo": {"Open", "Private", "Sup"},  # the uploader's own organisation
        "supplier": {"Open", "Sup"},
        "customer_a": {"Open"},
        "customer_b": set(),
    }
    for role, titles in expected.items():
        client = page_client(role)
        for title, document in docs.items():
            response = client.get(reverse("pilots:document_download", args=[document.pk]))
            assert response.status_code == (200 if title in titles else 404), (role, title)
            if response.status_code == 200:
                assert b"".join(response.streaming_content).startswith(b"%PDF")
                assert response["Content-Disposition"].startswith("attachment")


def test_ngo_of_pilot_x_gets_404_for_everything_of_pilot_y(world, pilots, page_client, api_client):
    facilitator = world.users["facilitator"]
    comment = services.comment_add(
        actor=world.users["customer_b"], pilot=pilots.pilot_y, body="B's comment"
    )
    document = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_y,
        kind="report",
        upload=SimpleUploadedFile("y.pdf", PDF),
    )
    client = page_client("ngo")
    assert client.get(pilots.pilot_y.get_absolute_url()).status_code == 404
    assert client.get(reverse("pilots:document_download", args=[document.pk])).status_code == 404
    assert (
        client.post(
            reverse("pilots:comment_add", args=[pilots.pilot_y.pk]), {"body": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("pilots:phase_action", args=[pilots.phase_y1.pk, "agree"])).status_code
        == 404
    )
    assert upload(client, pilots.pilot_y, "z.pdf", PDF + b"%z\n").status_code == 404
    assert Comment.objects.filter(pilot=pilots.pilot_y).get() == comment


def test_customer_comments_on_its_pilot(world, pilots, page_client):
    client = page_client("customer_a")
    client.post(
        reverse("pilots:comment_add", args=[pilots.pilot_x.pk]),
        {"body": "Please share the phase 1 report with our sourcing team."},
    )
    comment = Comment.objects.get()
    assert comment.organisation == world.customer_a
    assert "sourcing team" in client.get(pilots.pilot_x.get_absolute_url()).content.decode()


def test_facilitator_creates_a_pilot_and_invites(world, pilots, page_client):
    client = page_client("facilitator")
    response = client.post(
        reverse("pilots:pilot_create"),
        {
            "programme": pilots.programme.pk,
            "title": "EHS committee",
            "pilot_type": "ehs_committee",
            "approach": "customised_project",
            "supplier": world.supplier_y.pk,
            "planned_start": "2008-02-01",
            "planned_end": "2008-07-31",
            "context": "",
            "objectives": "Worker EHS committee",
            "inviting_customers": [world.customer_b.pk],
        },
    )
    pilot = Pilot.objects.get(title="EHS committee")
    assert response.status_code == 302
    assert {p.organisation.name for p in pilot.participants.all()} == {
        "Supplier Y",
        "Customer B",
        "Facilitator Org",
    }
    assert pilot.status_changes.get().to_status == "proposed"


def test_customer_sees_late_deliverables_on_the_timeline(world, pilots, page_client):
    import datetime

    services.deliverable_save(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        title="Phase 1 findings",
        kind="assessment_report",
        due_date=datetime.date(2008, 3, 15),
        delivered_on=datetime.date(2008, 5, 15),
    )
    response = page_client("customer_a").get(pilots.pilot_x.get_absolute_url())
    late = [entry for entry in response.context["timeline"] if entry.late]
    assert [entry.text for entry in late] == [
        "Phase 1 findings due",
        "Phase 1 findings delivered (61 days late)",
    ]


def test_a_copy_of_a_hidden_document_is_stored_as_if_it_were_not_there(world, pilots, page_client):
    """Refusing the same bytes would confirm that a document the uploader may not see exists:
    only the documents it may see count as copies."""
    services.document_upload(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        kind="report",
        visibility="facilitator_only",
        title="Exit plan",
        upload=SimpleUploadedFile("secret-plan.pdf", PDF),
    )
    response = upload(page_client("customer_a"), pilots.pilot_x, "mine.pdf", PDF)
    assert response.status_code == 302
    assert Document.objects.count() == 2
    mine = Document.objects.get(uploaded_for=world.customer_a)
    assert (mine.original_name, mine.version, mine.root_id) == ("mine.pdf", 1, None)
    # Its own copy it may see is refused, as before.
    again = upload(page_client("customer_a"), pilots.pilot_x, "again.pdf", PDF)
    assert again.status_code == 400
    assert "already here" in again.content.decode()
    assert "Exit plan" not in again.content.decode()


def test_facilitator_records_an_agreement_given_earlier_with_its_date(world, pilots, page_client):
    services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    page_client("facilitator").post(
        reverse("pilots:phase_action", args=[pilots.phase_x1.pk, "agree"]),
        {"organisation": world.customer_a.pk, "on": "2008-02-20"},
    )
    review = Review.objects.get(reviewer=world.customer_a)
    assert review.status == "approved"
    assert review.decided_at.date().isoformat() == "2008-02-20"
    assert review.decided_by == world.users["facilitator"]


def test_an_assessment_report_the_supplier_cannot_see_is_refused(world, pilots, page_client):
    response = upload(
        page_client("ngo"), pilots.pilot_x, "secret.pdf", PDF, visibility="facilitator_only"
    )
    assert response.status_code == 400
    assert "must be able to see it" in response.content.decode()
    assert not Document.objects.exists()


def test_phase_buttons_do_not_name_organisations_outside_the_pilot(world, pilots, page_client):
    services.phase_request_agreement(actor=world.users["facilitator"], phase=pilots.phase_x1)
    response = page_client("customer_a").post(
        reverse("pilots:phase_action", args=[pilots.phase_x1.pk, "agree"]),
        {"organisation": world.supplier_y.organisation_id},
        follow=True,
    )
    html = response.content.decode()
    assert "not part of this pilot" in html
    assert "Supplier Y" not in html


def test_messages_and_labels_follow_the_readers_language(world, pilots, audits, page_client):
    client = page_client("facilitator")
    response = client.post(
        reverse("pilots:phase_action", args=[pilots.phase_x1.pk, "request-agreement"]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "Agreement requested" not in response.content.decode()
    board = client.get(reverse("audits:action_board"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Waiting for verification" not in board.content.decode()


# --- side doors: what a page names ----------------------------------------------------------------


def test_the_pilot_page_names_only_the_organisations_the_viewer_may_see(world, pilots, page_client):
    import datetime

    services.activity_save(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_x,
        kind="peer_visit",
        date=datetime.date(2008, 3, 15),
        title="Visit to a peer company",
        participants=[world.supplier_x.organisation, world.supplier_y.organisation],
    )
    url = pilots.pilot_x.get_absolute_url()
    for role in ("customer_a", "supplier", "ngo"):
        response = page_client(role).get(url)
        [activity] = response.context["activities"]
        assert [org.name for org in activity.participants.all()] == ["Supplier X"], role
        assert "Supplier Y" not in response.content.decode(), role
    assert "Supplier Y" in page_client("facilitator").get(url).content.decode()


def test_the_pilot_page_counts_versions_the_viewer_may_see(world, pilots, page_client):
    facilitator = world.users["facilitator"]
    draft = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        visibility="facilitator_only",
        title="Plan",
        upload=SimpleUploadedFile("plan.pdf", PDF),
    )
    final = services.document_upload(
        actor=facilitator,
        pilot=pilots.pilot_x,
        replaces=draft,
        upload=SimpleUploadedFile("plan-final.pdf", PDF + b"% final\n"),
    )
    url = pilots.pilot_x.get_absolute_url()
    [seen] = page_client("customer_a").get(url).context["documents"]
    assert (seen.pk, seen.shown_version) == (final.pk, 1)
    shown = {
        doc.pk: doc.shown_version
        for doc in page_client("facilitator").get(url).context["documents"]
    }
    assert shown == {draft.pk: 1, final.pk: 2}
    # The upload form's "new version of" choices count the same way.
    form = page_client("customer_a").get(
        reverse("pilots:document_upload", args=[pilots.pilot_x.pk])
    )
    labels = [label for _value, label in form.context["forms"][0].fields["replaces"].choices]
    assert "Plan (v1)" in labels
    assert "Plan (v2)" not in labels


def test_the_ngo_follows_its_pilots_link_to_the_supplier(world, pilots, page_client):
    """A fellow participant opens the organisation page of the pilot's supplier: the record,
    not the supplier's private profile, facilities or customers."""
    client = page_client("ngo")
    page = client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    link = world.supplier_x.organisation.get_absolute_url()
    assert f'href="{link}"' in page
    supplier_page = client.get(link)
    assert supplier_page.status_code == 200
    html = supplier_page.content.decode()
    assert "Supplier X" in html
    assert supplier_page.context.get("supplier") is None
    for private in ("Supplier profile", "Basic awareness", "X plant", "Customer A"):
        assert private not in html, private
    # Not a participant of pilot Y: its supplier stays unknown.
    link_y = world.supplier_y.organisation.get_absolute_url()
    assert client.get(link_y).status_code == 404
