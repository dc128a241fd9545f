"""What an independent review of the API contract found, each pinned by a test."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from csrplatform import access
from csrplatform.accounts.models import User
from csrplatform.uploads import PDF, check_active_content
from suppliers.models import Organisation

ERROR_KEYS = {"detail", "code", "errors"}


def test_an_organisation_seen_only_on_a_shared_pilot_does_not_show_its_people(world, pilots):
    ngo = world.users["ngo"]
    supplier_org = world.supplier_x.organisation
    # The NGO sees the supplier of its pilot (a grant), but not who works there.
    assert access.scope(ngo, Organisation.objects.filter(pk=supplier_org.pk)).exists()
    assert not access.scope(ngo, User.objects.filter(pk=world.users["supplier"].pk)).exists()


def test_an_action_owner_works_for_the_audited_supplier_or_the_facilitator(
    world, audits, api_client
):
    outsider = world.users["customer_a"]  # the supplier may see this person: its customer's
    response = api_client("supplier").post(
        f"/api/v1/corrective-actions/{audits.action_x.pk}/progress/",
        {"owner": outsider.pk, "note": "Reassigned"},
    )
    assert response.status_code == 400, response.content
    assert "owner" in response.json()["errors"]
    audits.action_x.refresh_from_db()
    assert audits.action_x.owner == world.users["supplier"]

    facilitator = world.users["facilitator"]
    response = api_client("supplier").post(
        f"/api/v1/corrective-actions/{audits.action_x.pk}/progress/", {"owner": facilitator.pk}
    )
    assert response.status_code == 200, response.content


def test_notes_are_not_shown_to_those_who_see_the_organisation_only_on_a_pilot(
    world, pilots, api_client, page_client
):
    supplier_org = world.supplier_x.organisation
    supplier_org.notes = "Decisions sit with the Hong Kong headquarters"
    supplier_org.save()
    url = f"/api/v1/organisations/{supplier_org.pk}/"
    assert api_client("facilitator").get(url).json()["notes"] == supplier_org.notes
    seen_on_pilot = api_client("ngo").get(url)
    assert seen_on_pilot.status_code == 200
    assert seen_on_pilot.json()["notes"] == ""
    page = page_client("ngo").get(supplier_org.get_absolute_url())
    assert page.status_code == 200
    assert "Hong Kong headquarters" not in page.content.decode()
    found = api_client("ngo").get("/api/v1/organisations/", {"q": "headquarters"}).json()
    assert found["results"] == []


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_api_address_answers_json_in_every_mode(world, api_client, settings, debug):
    settings.DEBUG = debug
    for path in ("/api/v1/nope/", "/api/v1/pilots/1.5/", "/api/v2/"):
        response = api_client("facilitator").get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == ERROR_KEYS
    # A POST too, with the CSRF check on as in a browser session: the 404, not a 403 page.
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.users["facilitator"])
    response = csrf_client.post("/api/v1/corrective-actions/1.5/submit/", {"note": "x"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_request_with_too_many_fields_answers_in_the_error_shape(world, api_client):
    query = "&".join(f"f{number}=1" for number in range(1100))
    response = api_client("facilitator").get(f"/api/v1/pilots/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("action", ["GoToR", "GoToE", "SubmitForm", "ImportData"])
def test_a_pdf_that_opens_or_sends_to_other_places_is_refused(action):
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/" + action.encode() + b"/F"
        b"(\\\\\\\\host\\\\share\\\\x.pdf)>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(ValidationError):
        check_active_content(SimpleUploadedFile("x.pdf", body, PDF), PDF)


def test_the_members_link_shows_only_where_the_members_page_opens(world, pilots, page_client):
    supplier_org = world.supplier_x.organisation
    members_url = f"/profile/organisations/{supplier_org.pk}/members/"
    ngo = page_client("ngo")
    # The NGO sees the supplier only as a name on its pilot: no members page, and no link to one.
    page = ngo.get(supplier_org.get_absolute_url()).content.decode()
    assert ngo.get(members_url).status_code == 404
    assert members_url not in page
