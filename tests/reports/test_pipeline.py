"""The report pipeline: a request is a pending row, sent after commit, rendered once by
whichever render claims it, and left ready with one file or failed with a readable reason.

Tests about the pipeline itself swap the renderer (`reports.render.render_report_pdf`) for a
small stand-in, so that a failure, a time-out or a slow render can be staged;
`test_the_real_renderer_renders_a_requested_pilot_summary` renders for real.
"""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.http import Http404
from django.utils import timezone

from csrplatform import celery_app
from reports import render, services, tasks
from reports.models import Report, ReportStatus

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


class FakeRenderer:
    """Stands in for `render_report_pdf`: records each call and answers a PDF that names its
    requester, or raises what a test asks for."""

    def __init__(self):
        self.calls = []
        self.raises = None
        self.delay = 0.0
        self.progress_seen = []

    def __call__(self, *, kind, subject_id, user, language, on_progress=None):
        self.calls.append((kind, subject_id, user.pk, language))
        if on_progress is not None:
            on_progress(40)
            self.progress_seen.append(
                Report.objects.filter(requested_by=user).values_list("progress", flat=True)[0]
            )
        if self.delay:
            time.sleep(self.delay)
        if self.raises is not None:
            raise self.raises
        return f"%PDF-1.7 {kind} {subject_id} for user {user.pk} in {language}".encode()


@pytest.fixture
def renderer(monkeypatch):
    fake = FakeRenderer()
    monkeypatch.setattr(render, "render_report_pdf", fake)
    return fake


@pytest.fixture
def eager(settings, tmp_path):
    """Tasks run in this process, as in the embedded mode; files go to a throwaway folder."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path
    return settings


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*.pdf"))


def request_pilot_summary(user, pilot, language="en"):
    return services.report_request(
        actor=user, kind="pilot_summary", subject_id=pilot.pk, language=language
    )


# --- request → pending → render → ready ----------------------------------------------------------


def test_a_request_is_pending_until_its_transaction_commits_then_renders(
    world, pilots, eager, renderer, django_capture_on_commit_callbacks, tmp_path
):
    customer = world.users["customer_a"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request_pilot_summary(customer, pilots.pilot_x, language="zh-hans")
    # Given a request, when nothing has committed yet, then nothing is rendered.
    assert len(callbacks) == 1
    assert renderer.calls == []
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == (ReportStatus.PENDING, 0, 0)
    assert report.pilot == pilots.pilot_x
    assert report.programme is None

    # When it commits, the task renders it (eagerly here) as the requester.
    callbacks[0]()
    report.refresh_from_db()
    assert renderer.calls == [("pilot_summary", pilots.pilot_x.pk, customer.pk, "zh-hans")]
    assert report.status == ReportStatus.READY
    assert report.progress == 100
    assert report.attempts == 1
    assert report.error == ""
    assert report.started_at <= report.finished_at
    assert report.dispatched_at is not None
    assert report.claim is None
    with report.file.open("rb") as stored:
        expected = f"%PDF-1.7 pilot_summary {pilots.pilot_x.pk} for user {customer.pk} in zh-hans"
        assert stored.read() == expected.encode()
    assert stored_files(tmp_path) == [tmp_path / report.file.name]
    # Progress was written on the row while the renderer worked.
    assert renderer.progress_seen == [40]


def test_a_waiting_request_is_not_asked_twice_but_a_ready_one_is_rendered_afresh(
    world, pilots, eager, renderer, django_capture_on_commit_callbacks
):
    customer = world.users["customer_a"]
    with django_capture_on_commit_callbacks(execute=False):
        first = request_pilot_summary(customer, pilots.pilot_x)
        again = request_pilot_summary(customer, pilots.pilot_x)
    assert again.pk == first.pk
    with django_capture_on_commit_callbacks(execute=True):
        chinese = request_pilot_summary(customer, pilots.pilot_x, language="zh-hans")
    assert chinese.pk != first.pk
    Report.objects.filter(pk=first.pk).update(status=ReportStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = request_pilot_summary(customer, pilots.pilot_x)
    # The data may have changed since: a new report, never the old file.
    assert fresh.pk not in (first.pk, chinese.pk)


def test_a_subject_the_requester_may_not_see_is_a_404_like_a_missing_one(world, pilots):
    customer_b = world.users["customer_b"]
    with pytest.raises(Http404) as hidden:
        request_pilot_summary(customer_b, pilots.pilot_x)
    with pytest.raises(Http404) as missing:
        services.report_request(
            actor=customer_b, kind="pilot_summary", subject_id=999999, language="en"
        )
    assert str(hidden.value) == str(missing.value)
    # A supplier sees its customer, but a supplier-progress report is the customer's own view.
    with pytest.raises(Http404):
        services.report_request(
            actor=world.users["supplier"],
            kind="supplier_progress",
            subject_id=world.customer_a.pk,
            language="en",
        )
    with pytest.raises(Http404):
        services.report_request(
            actor=customer_b,
            kind="supplier_progress",
            subject_id=world.customer_a.pk,
            language="en",
        )
    assert not Report.objects.exists()


def test_each_kind_keeps_its_subject_in_its_own_column(world, pilots):
    facilitator = world.users["facilitator"]
    programme = services.report_request(
        actor=facilitator, kind="programme_summary", subject_id=pilots.programme.pk, language="en"
    )
    customer = services.report_request(
        actor=world.users["customer_a"],
        kind="supplier_progress",
        subject_id=world.customer_a.pk,
        language="en",
    )
    assert (programme.programme, programme.pilot, programme.customer) == (
        pilots.programme,
        None,
        None,
    )
    assert (customer.customer, customer.subject_id) == (world.customer_a, world.customer_a.pk)


# --- failures, retries, time limits --------------------------------------------------------------


def test_a_render_error_is_recorded_and_a_retry_succeeds(
    world, pilots, eager, renderer, django_capture_on_commit_callbacks, tmp_path
):
    customer = world.users["customer_a"]
    renderer.raises = render.RenderError("The report template could not be rendered: oops")
    with django_capture_on_commit_callbacks(execute=True):
        report = request_pilot_summary(customer, pilots.pilot_x)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "The report template could not be rendered: oops"
    assert not report.file
    assert stored_files(tmp_path) == []  # nothing half-written is kept or served

    renderer.raises = None
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(actor=customer, report=report)
    report.refresh_from_db()
    assert (report.status, report.error, report.attempts) == (ReportStatus.READY, "", 2)
    assert len(stored_files(tmp_path)) == 1


def test_only_a_failed_report_is_retried(world, pilots, renderer, eager):
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    with pytest.raises(services.Conflict):
        services.report_retry(actor=world.users["customer_a"], report=report)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)
    # Only by its requester.
    with pytest.raises(services.Conflict):
        services.report_retry(actor=world.users["facilitator"], report=report)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (SoftTimeLimitExceeded(), "Rendering took longer than 300 seconds and was stopped."),
        (ValueError("bad"), "unexpected error (ValueError)"),
        (Http404("gone"), "You may no longer see what this report is about."),
    ],
)
def test_every_failure_is_recorded_with_a_readable_reason(
    world, pilots, renderer, settings, raised, expected
):
    settings.REPORT_SOFT_TIME_LIMIT = 300
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    renderer.raises = raised
    assert services.report_render(report.pk) == ReportStatus.FAILED
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert expected in report.error
    assert report.finished_at is not None
    assert report.claim is None


def test_a_transient_error_puts_the_report_back_for_a_retry_or_fails_on_the_last_try(
    world, pilots, renderer
):
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    renderer.raises = OperationalError("server closed the connection")
    with pytest.raises(OperationalError):
        services.report_render(report.pk, may_retry=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert "OperationalError" in report.error
    assert services.report_render(report.pk, may_retry=False) == ReportStatus.FAILED
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.FAILED, 2)


def test_the_task_is_acknowledged_late_retried_with_backoff_and_time_limited():
    task = tasks.render_report
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert set(task.autoretry_for) >= {OperationalError, ConnectionError}
    assert task.retry_backoff
    assert task.max_retries == django_settings.REPORT_MAX_RETRIES
    assert task.soft_time_limit == django_settings.REPORT_SOFT_TIME_LIMIT
    assert task.time_limit == django_settings.REPORT_TIME_LIMIT
    assert task.soft_time_limit < task.time_limit
    assert task.ignore_result is True


# --- idempotence ---------------------------------------------------------------------------------


def test_the_task_run_twice_renders_once_and_keeps_one_file(
    world, pilots, renderer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    first = tasks.render_report.apply(args=(report.pk,)).get()
    second = tasks.render_report.apply(args=(report.pk,)).get()
    assert (first, second) == (ReportStatus.READY, ReportStatus.READY)
    assert len(renderer.calls) == 1
    assert len(stored_files(tmp_path)) == 1
    report.refresh_from_db()
    assert report.attempts == 1


def test_a_failed_report_is_not_rendered_again_by_a_duplicate_message(world, pilots, renderer):
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error="Broken")
    assert services.report_render(report.pk) == ReportStatus.FAILED
    assert renderer.calls == []
    assert Report.objects.get(pk=report.pk).error == "Broken"


def test_a_render_left_by_a_dead_worker_is_taken_over_only_once_stale(
    world, pilots, renderer, settings
):
    settings.REPORT_STALE_AFTER = 30
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    now = timezone.now()
    rendering = {"status": ReportStatus.RENDERING, "attempts": 1}
    Report.objects.filter(pk=report.pk).update(started_at=now - timedelta(seconds=29), **rendering)
    assert services.report_render(report.pk, worker="b@host") == ReportStatus.RENDERING
    assert renderer.calls == []
    Report.objects.filter(pk=report.pk).update(started_at=now - timedelta(seconds=31))
    assert services.report_render(report.pk, worker="b@host") == ReportStatus.READY
    assert len(renderer.calls) == 1
    report.refresh_from_db()
    # Two renders started; the one that stored the file names its worker.
    assert (report.attempts, report.rendered_by) == (2, "b@host")
    # A late duplicate (the dead worker's message, redelivered) changes nothing.
    assert services.report_render(report.pk, worker="late@host") == ReportStatus.READY
    assert len(renderer.calls) == 1
    assert Report.objects.get(pk=report.pk).rendered_by == "b@host"


def test_a_render_is_stale_only_after_the_hard_time_limit_by_default():
    assert django_settings.REPORT_STALE_AFTER > django_settings.REPORT_TIME_LIMIT


def test_a_render_that_lost_its_claim_keeps_no_file(world, pilots, settings, tmp_path, monkeypatch):
    """Given a render so slow that another took the row over, its file is not kept."""
    settings.MEDIA_ROOT = tmp_path
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)

    def overtaken(**kwargs):
        Report.objects.filter(pk=report.pk).update(claim=None, status=ReportStatus.READY)
        return b"%PDF-1.7 late"

    monkeypatch.setattr(render, "render_report_pdf", overtaken)
    services.report_render(report.pk)
    assert stored_files(tmp_path) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_let_only_one_render(world, pilots, renderer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    renderer.delay = 0.3
    workers = 4
    start = threading.Barrier(workers)
    results = []

    def work():
        try:
            start.wait()
            results.append(services.report_render(report.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(renderer.calls) == 1
    assert results.count(ReportStatus.READY) >= 1
    assert len(results) == workers
    assert len(stored_files(tmp_path)) == 1
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.READY, 1)


# --- the broker down, and the sweep --------------------------------------------------------------


def test_a_request_answers_at_once_with_the_broker_down_and_the_sweep_sends_it_later(
    world, pilots, renderer, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    settings.CELERY_RESULT_BACKEND = CLOSED_PORT_BROKER
    assert celery_app.conf.broker_url == CLOSED_PORT_BROKER
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    assert time.monotonic() - started < 10
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert report.dispatched_at is None  # not sent: the sweep sends it
    assert renderer.calls == []

    # The broker is still down: the sweep tries, fails fast and keeps it pending.
    started = time.monotonic()
    assert services.reports_sweep() == 0
    assert time.monotonic() - started < 10
    assert Report.objects.get(pk=report.pk).status == ReportStatus.PENDING

    # Once tasks can be sent (eagerly here; a real broker in tests/integration), the sweep
    # sends it and it is rendered.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert services.reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert len(renderer.calls) == 1
    # Nothing is left to send.
    assert services.reports_sweep() == 0


def test_the_sweep_leaves_alone_what_was_sent_recently(world, pilots, renderer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    report = request_pilot_summary(world.users["customer_a"], pilots.pilot_x)
    Report.objects.filter(pk=report.pk).update(dispatched_at=timezone.now())
    assert services.reports_sweep() == 0
    later = timezone.now() + timedelta(seconds=settings.REPORT_REDISPATCH_AFTER + 1)
    Report.objects.filter(pk=report.pk).update(dispatched_at=timezone.now() - timedelta(hours=1))
    assert services.reports_sweep(now=later) == 1
    assert Report.objects.get(pk=report.pk).status == ReportStatus.READY


def test_celery_beat_runs_the_sweep_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-reports"]
    assert entry["task"] == tasks.sweep_reports.name == "reports.tasks.sweep_reports"
    assert entry["schedule"] == 60.0
    assert "reports.tasks.render_report" in celery_app.tasks


# --- the real renderer ---------------------------------------------------------------------------


def test_the_real_renderer_renders_a_requested_pilot_summary(
    world, pilots, eager, django_capture_on_commit_callbacks
):
    """No stand-in: the report pipeline with reports.render as it is."""
    with django_capture_on_commit_callbacks(execute=True):
        report = request_pilot_summary(world.users["facilitator"], pilots.pilot_x)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY, report.error
    with report.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


# --- the management command ----------------------------------------------------------------------


def test_the_command_renders_a_report_to_a_file_as_the_given_user(world, pilots, tmp_path):
    output = tmp_path / "pilot.pdf"
    out = StringIO()
    call_command(
        "render_report",
        "--kind=pilot_summary",
        f"--subject={pilots.pilot_x.pk}",
        "--user=CUSTOMER-A@example.org",
        "--language=en",
        f"--output={output}",
        stdout=out,
    )
    assert output.read_bytes().startswith(b"%PDF-")
    assert f"to {output}" in out.getvalue()
    assert not Report.objects.exists()  # rendered now, not queued


def test_the_command_refuses_what_the_user_may_not_see_and_unknown_users(
    world, pilots, tmp_path, renderer
):
    output = tmp_path / "pilot.pdf"
    arguments = ["--kind=pilot_summary", f"--subject={pilots.pilot_x.pk}", f"--output={output}"]
    with pytest.raises(CommandError, match="may not see"):
        call_command("render_report", *arguments, "--user=customer-b@example.org")
    with pytest.raises(CommandError, match="No active user"):
        call_command("render_report", *arguments, "--user=nobody@example.org")
    assert renderer.calls == []
    assert not output.exists()
