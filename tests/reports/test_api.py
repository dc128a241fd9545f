"""The reports API: 202 and the report's URL, its status and file, retries, and 404s that
read the same for what is hidden as for what does not exist."""

import importlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from csrplatform.accounts.services import api_token_create
from reports.models import Report, ReportStatus
from tests.api.test_generated_client import call, generated  # noqa: F401 -- a fixture
from tests.reports.test_pipeline import eager, renderer  # noqa: F401 -- fixtures

URL = "/api/v1/reports/"


def token_client(user, *, read_only):
    _token, raw_key = api_token_create(user=user, name="partner system", read_only=read_only)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    return api


def ask(api, kind, subject, language="en"):
    return api.post(URL, {"kind": kind, "subject": subject, "language": language}, format="json")


def test_a_request_answers_202_with_the_reports_url_and_it_stays_pending(world, pilots, api_client):
    api = api_client("customer_a")
    answer = ask(api, "pilot_summary", pilots.pilot_x.pk, "zh-hans")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    report = Report.objects.get()
    assert body["id"] == report.pk
    assert answer["Location"] == body["url"]
    assert body["url"].endswith(f"/api/v1/reports/{report.pk}/")
    assert body["status"] == "pending"
    assert (body["kind"], body["pilot"], body["programme"], body["customer"]) == (
        "pilot_summary",
        pilots.pilot_x.pk,
        None,
        None,
    )
    assert body["subject_name"] == "Pilot X"
    assert body["language"] == "zh-hans"
    assert body["file_url"] is None
    assert report.requested_by == world.users["customer_a"]
    # The status URL answers the same report.
    status = api.get(body["url"])
    assert status.status_code == 200
    assert status.json()["status"] == "pending"
    assert status.json()["progress"] == 0


def test_a_ready_report_gives_its_file_url_and_the_pdf(
    world,
    pilots,
    api_client,
    eager,  # noqa: F811
    renderer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    api = api_client("facilitator")
    with django_capture_on_commit_callbacks(execute=True):
        answer = ask(api, "programme_summary", pilots.programme.pk)
    assert answer.status_code == 202
    body = api.get(answer["Location"]).json()
    assert body["status"] == "ready"
    assert body["progress"] == 100
    assert body["programme"] == pilots.programme.pk
    assert body["file_url"].endswith(f"/api/v1/reports/{body['id']}/file/")
    download = api.get(body["file_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.7 programme_summary")
    generic = api.get(body["file_url"], HTTP_ACCEPT="application/octet-stream")
    assert generic["Content-Type"] == "application/octet-stream"


def test_the_file_of_a_report_not_ready_is_a_404(world, pilots, api_client):
    api = api_client("customer_a")
    report_id = ask(api, "pilot_summary", pilots.pilot_x.pk).json()["id"]
    answer = api.get(f"{URL}{report_id}/file/")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "kind", "subject"),
    [
        ("customer_b", "pilot_summary", "pilot_x"),
        ("ngo", "pilot_summary", "pilot_y"),
        ("supplier", "pilot_summary", "pilot_y"),
        ("customer_b", "supplier_progress", "customer_a"),
        ("supplier", "supplier_progress", "customer_a"),  # it sees its customer, not its view
        ("ngo", "supplier_progress", "customer_b"),
    ],
)
def test_a_hidden_subject_answers_as_a_missing_one(world, pilots, api_client, role, kind, subject):
    api = api_client(role)
    subjects = {
        "pilot_x": pilots.pilot_x.pk,
        "pilot_y": pilots.pilot_y.pk,
        "customer_a": world.customer_a.pk,
        "customer_b": world.customer_b.pk,
    }
    hidden = ask(api, kind, subjects[subject])
    missing = ask(api, kind, 999999)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("role", "kind", "subject"),
    [
        ("customer_a", "pilot_summary", "pilot_x"),
        ("ngo", "pilot_summary", "pilot_x"),
        ("customer_b", "programme_summary", "programme"),
        ("customer_a", "supplier_progress", "customer_a"),
        ("facilitator", "supplier_progress", "customer_b"),
    ],
)
def test_whoever_sees_the_subject_may_ask(world, pilots, api_client, role, kind, subject):
    subjects = {
        "pilot_x": pilots.pilot_x.pk,
        "programme": pilots.programme.pk,
        "customer_a": world.customer_a.pk,
        "customer_b": world.customer_b.pk,
    }
    answer = ask(api_client(role), kind, subjects[subject])
    assert answer.status_code == 202, answer.content


def test_invalid_input_is_a_400_naming_the_field(world, pilots, api_client):
    api = api_client("customer_a")
    assert ask(api, "annual_report", pilots.pilot_x.pk).json()["errors"].keys() == {"kind"}
    answer = ask(api, "pilot_summary", pilots.pilot_x.pk, language="fr")
    assert answer.status_code == 400
    assert answer.json()["errors"].keys() == {"language"}
    assert ask(api, "pilot_summary", "abc").status_code == 400


def test_another_users_report_answers_as_a_missing_one(world, pilots, api_client):
    report_id = ask(api_client("customer_a"), "pilot_summary", pilots.pilot_x.pk).json()["id"]
    Report.objects.filter(pk=report_id).update(status=ReportStatus.FAILED)
    # The facilitator sees the pilot, but not customer A's report of it.
    for role in ("facilitator", "customer_b", "ngo"):
        api = api_client(role)
        for suffix, method in (("", "get"), ("file/", "get"), ("retry/", "post")):
            hidden = getattr(api, method)(f"{URL}{report_id}/{suffix}")
            missing = getattr(api, method)(f"{URL}999999/{suffix}")
            assert hidden.status_code == missing.status_code == 404, (role, suffix)
            assert hidden.json() == missing.json()
        assert api.get(URL).json()["results"] == []
    assert Report.objects.get(pk=report_id).status == ReportStatus.FAILED


def test_the_list_holds_ones_own_reports_only(world, pilots, api_client):
    ask(api_client("customer_a"), "pilot_summary", pilots.pilot_x.pk)
    ask(api_client("ngo"), "pilot_summary", pilots.pilot_x.pk)
    mine = api_client("customer_a").get(URL, {"status": "pending"}).json()["results"]
    assert [row["pilot"] for row in mine] == [pilots.pilot_x.pk]
    assert {row["id"] for row in mine} == set(
        Report.objects.filter(requested_by=world.users["customer_a"]).values_list("pk", flat=True)
    )


def test_a_failed_report_is_retried_and_anything_else_is_a_409(
    world,
    pilots,
    api_client,
    eager,  # noqa: F811
    renderer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    api = api_client("customer_a")
    renderer.raises = ValueError("boom")
    with django_capture_on_commit_callbacks(execute=True):
        report_id = ask(api, "pilot_summary", pilots.pilot_x.pk).json()["id"]
    failed = api.get(f"{URL}{report_id}/").json()
    assert failed["status"] == "failed"
    assert "unexpected error (ValueError)" in failed["error"]
    renderer.raises = None
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"{URL}{report_id}/retry/")
    assert retried.status_code == 202
    assert retried["Location"].endswith(f"/api/v1/reports/{report_id}/")
    assert api.get(f"{URL}{report_id}/").json()["status"] == "ready"
    again = api.post(f"{URL}{report_id}/retry/")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_a_read_only_token_may_ask_for_reports_and_still_may_not_write(
    world,
    pilots,
    renderer,  # noqa: F811
):
    api = token_client(world.users["customer_a"], read_only=True)
    answer = ask(api, "pilot_summary", pilots.pilot_x.pk)
    assert answer.status_code == 202, answer.content
    Report.objects.filter(pk=answer.json()["id"]).update(status=ReportStatus.FAILED)
    assert api.post(f"{URL}{answer.json()['id']}/retry/").status_code == 202
    assert len(api.get(URL).json()["results"]) == 1
    # Anything else a read-only token posts is refused, as before.
    refused = api.post("/api/v1/comments/", {"pilot": pilots.pilot_x.pk, "body": "Hello"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This API token is read-only."
    # And a hidden subject is still a 404.
    assert ask(api, "pilot_summary", pilots.pilot_y.pk).status_code == 404


def test_a_signed_out_caller_may_not_ask(world, pilots, api_client):
    answer = ask(api_client("anonymous"), "pilot_summary", pilots.pilot_x.pk)
    assert answer.status_code == 401
    assert not Report.objects.exists()


def test_the_schema_documents_the_202_and_the_pdf(world, client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    create = schema["paths"]["/api/v1/reports/"]["post"]
    assert "202" in create["responses"]
    assert "201" not in create["responses"]
    assert create["requestBody"]["content"].keys() == {"application/json"}
    assert "202" in schema["paths"]["/api/v1/reports/{id}/retry/"]["post"]["responses"]
    download = schema["paths"]["/api/v1/reports/{id}/file/"]["get"]["responses"]["200"]
    assert "application/pdf" in download["content"]


def test_a_partner_asks_for_a_pdf_and_downloads_it_through_the_generated_client(
    transactional_db, live_server, world, pilots, settings, tmp_path, request
):
    """A partner's system with a read-only token, through the client generated from the
    schema, used as generated; the real renderer, run eagerly as in the embedded mode."""
    # Generated once the test database is open (the schema is read from the live server).
    client_package = request.getfixturevalue("generated")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path
    models = importlib.import_module("csr_client.models")
    _token, raw_key = api_token_create(
        user=world.users["customer_a"], name="partner system", read_only=True
    )
    # Closed at the end, so that the live server's thread lets go of its database connection.
    with client_package.AuthenticatedClient(base_url=live_server.url, token=raw_key) as partner:
        asked = call(
            client_package,
            "reports_create",
            client=partner,
            body=models.NewReportRequest(
                kind=models.ReportKindEnum.PILOT_SUMMARY,
                subject=pilots.pilot_x.pk,
                language=models.ReportLanguageEnum.EN,
            ),
        )
        assert asked.pilot == pilots.pilot_x.pk
        report = call(client_package, "reports_retrieve", client=partner, id=asked.id)
        assert report.status == models.ReportStatusEnum.READY, report.error
        assert report.file_url.endswith(f"/api/v1/reports/{asked.id}/file/")
        listed = call(client_package, "reports_list", client=partner)
        assert [row.id for row in listed.results] == [asked.id]
        pdf = call(client_package, "reports_file_retrieve", client=partner, id=asked.id)
        assert pdf.payload.read(5) == b"%PDF-"
