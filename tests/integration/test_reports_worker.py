"""Reports rendered by a real Celery worker consuming over Redis.

Each worker consumes a queue of this module's own (no other worker on the same Redis takes its
tasks), reads the test database and writes into a media folder this process reads too: both
come from a small settings module written for it. Without REDIS_URL these skip; in CI they fail.
"""

import time
from pathlib import Path

import pytest

from reports import services
from reports.models import ReportStatus
from tests.integration.test_services import CLOSED_PORT_BROKER
from tests.integration.workers import start_worker, stop_worker, wait_until_finished

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    running = start_worker(tmp_path)
    settings.REPORT_QUEUE = running.queue
    settings.MEDIA_ROOT = running.media
    try:
        yield running
    finally:
        stop_worker(running)


@pytest.fixture
def slow_worker(transactional_db, settings, tmp_path):
    running = start_worker(tmp_path, soft=2, hard=20, slow=True)
    settings.REPORT_SOFT_TIME_LIMIT, settings.REPORT_TIME_LIMIT = 2, 20
    settings.REPORT_QUEUE = running.queue
    settings.MEDIA_ROOT = running.media
    try:
        yield running
    finally:
        stop_worker(running)


def test_a_worker_renders_a_requested_report(worker, world, pilots):
    report = services.report_request(
        actor=world.users["customer_a"],
        kind="pilot_summary",
        subject_id=pilots.pilot_x.pk,
        language="en",
    )
    report.refresh_from_db()
    assert report.dispatched_at is not None  # sent on commit, to the worker's queue
    report = wait_until_finished(report, worker)
    assert report.status == ReportStatus.READY, (report.error, worker.log())
    assert (report.progress, report.attempts) == (100, 1)
    assert report.rendered_by == worker.hostname
    path = Path(worker.media) / report.file.name
    assert path.read_bytes().startswith(b"%PDF-")
    # The task ran in the worker, not here.
    assert "reports.tasks.render_report" in worker.log()


def test_with_the_broker_down_a_request_stays_pending_until_the_sweep_sends_it(
    worker, world, pilots, settings
):
    working_broker = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    started = time.monotonic()
    report = services.report_request(
        actor=world.users["customer_a"],
        kind="supplier_progress",
        subject_id=world.customer_a.pk,
        language="zh-hans",
    )
    assert time.monotonic() - started < 10, "the request waited on the broker"
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert report.dispatched_at is None
    time.sleep(1)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING  # nothing was sent: nothing renders

    # The broker is back: beat's sweep sends it, and the worker renders it.
    settings.CELERY_BROKER_URL = working_broker
    assert services.reports_sweep() == 1
    report = wait_until_finished(report, worker)
    assert report.status == ReportStatus.READY, (report.error, worker.log())
    assert (Path(worker.media) / report.file.name).read_bytes().startswith(b"%PDF-")


def test_a_render_that_runs_away_is_stopped_and_recorded_as_failed(slow_worker, world, pilots):
    report = services.report_request(
        actor=world.users["facilitator"],
        kind="programme_summary",
        subject_id=pilots.programme.pk,
        language="en",
    )
    started = time.monotonic()
    report = wait_until_finished(report, slow_worker)
    assert report.status == ReportStatus.FAILED, slow_worker.log()
    assert report.error == "Rendering took longer than 2 seconds and was stopped."
    assert not report.file
    assert time.monotonic() - started < 30  # stopped by the limit, not by the 60-second sleep
