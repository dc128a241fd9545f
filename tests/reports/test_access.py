"""Who sees report jobs, in the policy and in the pages: a report is its requester's alone.

The matrix: every role × every role's report × view, retry, download; the pages that offer the
"PDF" button; the report page, its htmx status and its download, each a 404 for anyone else.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from csrplatform import access
from csrplatform.accounts.models import User
from reports import services
from reports.models import Report, ReportStatus
from tests.reports.test_pipeline import eager, renderer  # noqa: F401 -- fixtures

ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo")


def without_csrf_tokens(response) -> str:
    """A page, less the CSRF token, which is masked afresh on every answer."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())


@pytest.fixture
def reports(world, pilots):
    """One report per role, each about something that role sees."""
    subjects = {
        "facilitator": ("programme_summary", pilots.programme.pk),
        "customer_a": ("supplier_progress", world.customer_a.pk),
        "customer_b": ("pilot_summary", pilots.pilot_y.pk),
        "supplier": ("pilot_summary", pilots.pilot_x.pk),
        "ngo": ("pilot_summary", pilots.pilot_x.pk),
    }
    made = {}
    for role, (kind, subject_id) in subjects.items():
        made[role] = services.report_request(
            actor=world.users[role], kind=kind, subject_id=subject_id, language="en"
        )
    return made


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", [access.VIEW, access.EDIT])
def test_each_user_sees_and_retries_only_their_own_reports(world, reports, role, action):
    user = world.users[role]
    scoped = access.scope(user, Report.objects.all(), action)
    assert set(scoped) == {reports[role]}
    assert set(Report.objects.of(user)) == {reports[role]}


def test_a_superuser_passes_the_rules_but_still_lists_only_their_own_reports(world, reports):
    admin = User.objects.create_superuser(email="admin@example.org", password="x-123-long-enough")
    assert access.scope(admin, Report.objects.all()).count() == len(ROLES)
    assert not Report.objects.of(admin).exists()


@pytest.mark.parametrize("role", ROLES)
def test_report_pages_answer_404_for_anyone_but_the_requester(
    world,
    reports,
    page_client,
    role,
    eager,  # noqa: F811
    renderer,  # noqa: F811
):
    client = page_client(role)
    for owner, report in reports.items():
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error="Broken")
        urls = [
            ("get", reverse("reports:report_detail", args=[report.pk])),
            ("get", reverse("reports:report_download", args=[report.pk])),
            ("post", reverse("reports:report_retry", args=[report.pk])),
        ]
        for method, url in urls:
            answer = getattr(client, method)(url)
            if owner != role:
                assert answer.status_code == 404, (role, owner, url)
        if owner != role:
            assert Report.objects.get(pk=report.pk).status == ReportStatus.FAILED


def test_the_report_page_polls_until_finished_and_offers_a_retry_when_failed(
    world,
    reports,
    page_client,
    eager,  # noqa: F811
    renderer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = page_client("customer_a")
    report = reports["customer_a"]
    url = reverse("reports:report_detail", args=[report.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'hx-get="{url}"' in page.content.decode()
    assert 'value="0"' in page.content.decode()  # the progress bar

    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, error="The report template could not be rendered: x"
    )
    status = client.get(url, HTTP_HX_REQUEST="true")
    body = status.content.decode()
    assert status.status_code == 200
    assert "<html" not in body  # the partial only
    assert 'data-status="failed"' in body
    assert "hx-get" not in body  # finished: no more polling
    assert "The report template could not be rendered: x" in body
    assert reverse("reports:report_retry", args=[report.pk]) in body

    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(reverse("reports:report_retry", args=[report.pk]))
    assert retried.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    body = client.get(retried["Location"]).content.decode()
    assert 'data-status="ready"' in body
    download_url = reverse("reports:report_download", args=[report.pk])
    assert download_url in body
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.7 supplier_progress")


def test_asking_in_the_browser_renders_and_leads_to_the_report(
    world,
    pilots,
    page_client,
    eager,  # noqa: F811
    renderer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = page_client("customer_a")
    pilot_page = client.get(pilots.pilot_x.get_absolute_url()).content.decode()
    assert 'data-report-kind="pilot_summary"' in pilot_page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("reports:report_request"),
            {"kind": "pilot_summary", "subject": pilots.pilot_x.pk, "language": "zh-hans"},
        )
    report = Report.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == report.get_absolute_url()
    assert (report.status, report.language) == (ReportStatus.READY, "zh-hans")
    listing = client.get(reverse("reports:report_list")).content.decode()
    assert report.get_absolute_url() in listing
    assert reverse("reports:report_download", args=[report.pk]) in listing


def test_asking_in_the_browser_about_a_hidden_subject_is_a_404_like_a_missing_one(
    world, pilots, page_client
):
    client = page_client("customer_b")
    url = reverse("reports:report_request")
    hidden = client.post(
        url, {"kind": "pilot_summary", "subject": pilots.pilot_x.pk, "language": "en"}
    )
    missing = client.post(url, {"kind": "pilot_summary", "subject": 999999, "language": "en"})
    assert hidden.status_code == missing.status_code == 404
    assert without_csrf_tokens(hidden) == without_csrf_tokens(missing)
    # Without a language the form says so before anything is looked up.
    hidden = client.post(url, {"kind": "pilot_summary", "subject": pilots.pilot_x.pk})
    assert hidden.status_code == 302
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("role", "page", "kind", "offered"),
    [
        ("customer_a", "pilot_x", "pilot_summary", True),
        ("customer_b", "programme", "programme_summary", True),
        ("customer_a", "customer_a", "supplier_progress", True),
        ("facilitator", "customer_a", "supplier_progress", True),
        # A supplier sees its customer's page, but the suppliers' progress is the customer's.
        ("supplier", "customer_a", "supplier_progress", False),
    ],
)
def test_the_pdf_button_is_on_the_pages_of_what_one_may_ask_about(
    world, pilots, page_client, role, page, kind, offered
):
    pages = {
        "pilot_x": pilots.pilot_x.get_absolute_url(),
        "programme": pilots.programme.get_absolute_url(),
        "customer_a": world.customer_a.get_absolute_url(),
    }
    answer = page_client(role).get(pages[page])
    assert answer.status_code == 200
    assert (f'data-report-kind="{kind}"' in answer.content.decode()) is offered


def test_the_list_offers_a_customers_members_their_suppliers_progress(world, page_client):
    page = page_client("customer_a").get(reverse("reports:report_list")).content.decode()
    assert 'data-report-kind="supplier_progress"' in page
    assert f'name="subject" value="{world.customer_a.pk}"' in page
    assert "My reports" in page  # the menu links here
    other = page_client("ngo").get(reverse("reports:report_list")).content.decode()
    assert 'data-report-kind="supplier_progress"' not in other


def grow(world, pilots, count):
    """`count` more reports of each kind for the facilitator."""
    facilitator = world.users["facilitator"]
    subjects = [
        ("pilot_summary", pilots.pilot_x.pk),
        ("programme_summary", pilots.programme.pk),
        ("supplier_progress", world.customer_b.pk),
    ]
    for _number in range(count):
        for kind, subject_id in subjects:
            report = services.report_request(
                actor=facilitator, kind=kind, subject_id=subject_id, language="en"
            )
            # Finished, so that the next request makes a new row.
            Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)


def count_queries(world, url) -> int:
    if url.startswith("/api/"):
        client = APIClient()
        # A fresh user object: the policy caches what it read on the one it is given.
        client.force_authenticate(User.objects.get(pk=world.users["facilitator"].pk))
    else:
        client = Client()
        client.force_login(world.users["facilitator"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/reports/", "/api/v1/reports/"])
def test_the_report_lists_cost_the_same_queries_for_few_and_many_reports(world, pilots, url):
    grow(world, pilots, 2)
    few = count_queries(world, url)
    grow(world, pilots, 4)
    # The page: session and user, the actor's memberships, the customers it may ask about,
    # the count and the page of reports with their subjects (one join), the inbox count.
    # The API: the same, less the session, plus one query per subject model for the ids the
    # caller may see.
    assert count_queries(world, url) == few


def test_support_reads_report_jobs_in_the_admin_but_not_their_files(world, reports, client):
    admin = User.objects.create_superuser(email="admin@example.org", password="x-123-long-enough")
    client.force_login(admin)
    report = reports["customer_a"]
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.READY, file="reports/1/secret-name.pdf"
    )
    assert client.get("/admin/reports/report/").status_code == 200
    page = client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    assert "secret-name.pdf" not in page.content.decode()
    assert client.get("/admin/reports/report/add/").status_code == 403
