"""Large findings files run as a background job (the figures import's ImportJob and page):
progress, all rows or none, and the row-by-row error report."""

import pytest
from django.urls import reverse

from audits import imports
from audits.models import Finding
from metrics.models import ImportJob
from tests.audits.test_import import counts, csv_upload, good_rows, post


@pytest.fixture
def eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def many_rows(count):
    """`count` rows: findings of two actions each, every third with two clauses."""
    template = good_rows()[0] | {"owner_email": ""}
    return [
        template
        | {
            "finding_ref": f"F{number // 2}",
            "description": f"Finding {number // 2}",
            "clauses": "eicc:A.3; sa8000:7" if number // 2 % 3 == 0 else "eicc:A.3",
            "action": f"Action {number}",
        }
        for number in range(count)
    ]


def run(client, audit, rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, audit, csv_upload(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:import_job", args=[job.pk])
    return job


def test_a_large_file_runs_as_a_job_and_creates_every_row(
    page_client, audits, monkeypatch, django_capture_on_commit_callbacks, eager_celery
):
    monkeypatch.setattr(imports, "SYNC_ROWS", 10)
    before = counts()
    client = page_client("facilitator")
    job = run(client, audits.audit_x, many_rows(36), django_capture_on_commit_callbacks)

    assert (job.kind, job.status, job.audit) == ("findings", "done", audits.audit_x)
    assert (job.rows_total, job.rows_checked, job.rows_saved) == (36, 36, 36)
    assert not job.file
    assert counts() == (before[0] + 18, before[1] + 36)
    first = Finding.objects.get(audit=audits.audit_x, description="Finding 0")
    assert set(first.clauses.all()) == {audits.clause_hours, audits.other_clause}
    assert sorted(first.corrective_actions.values_list("action", flat=True)) == [
        "Action 0",
        "Action 1",
    ]
    # The history names who imported, and the finding's clauses as it was created.
    record = first.history.get()
    assert (record.history_type, record.history_user.email) == ("+", "facilitator@example.org")
    assert {row.clause for row in record.clauses.all()} == set(first.clauses.all())
    action_record = first.corrective_actions.first().history.get()
    assert action_record.history_user.email == "facilitator@example.org"

    job_url = reverse("metrics:import_job", args=[job.pk])
    html = client.get(job_url).content.decode()
    assert "36 rows imported" in html
    assert audits.audit_x.get_absolute_url() in html
    assert reverse("audits:findings_import") in html
    assert page_client("supplier").get(job_url).status_code == 404


def test_checking_reports_progress(audits, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    rows = many_rows(35)
    table = imports.table_of(csv_upload(rows).read(), is_xlsx=False)
    seen = []
    plan = imports.plan_import(audit=audits.audit_x, table=table, progress=seen.append)
    assert seen == [10, 20, 30, 35]
    assert sum(len(planned.actions) for planned in plan) == 35


def test_a_large_file_with_one_bad_row_creates_nothing_and_names_the_row(
    page_client, audits, monkeypatch, django_capture_on_commit_callbacks, eager_celery
):
    monkeypatch.setattr(imports, "SYNC_ROWS", 10)
    rows = many_rows(40)
    rows[29]["due_date"] = "31/07/2026"  # row 31 of the file, below the header
    before = counts()
    client = page_client("facilitator")
    job = run(client, audits.audit_x, rows, django_capture_on_commit_callbacks)

    assert job.status == "refused"
    assert job.error_count == 1
    assert [(row, column) for row, column, _message in job.errors] == [(31, "due_date")]
    assert counts() == before
    html = client.get(reverse("metrics:import_job", args=[job.pk])).content.decode()
    assert "Nothing was imported" in html
    assert '<td class="num">31</td>' in html
    assert "<code>due_date</code>" in html


def test_the_figures_page_does_not_offer_findings(page_client, world):
    client = page_client("facilitator")
    form = client.get(reverse("metrics:import")).context["form"]
    assert [kind for kind, _label in form.fields["kind"].choices] == ["observations", "costs"]
    template = reverse("metrics:import_template", args=["findings", "csv"])
    assert client.get(template).status_code == 404
