"""Reports rendered by a real Celery worker consuming over Redis.

Each worker consumes a queue of this module's own (no other worker on the same Redis takes its
tasks), reads the test database and writes into a media folder this process reads too: both
come from a small settings module written for it. Without REDIS_URL these skip; in CI they fail.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from reports import services
from reports.models import Report, ReportStatus
from tests.integration.test_services import (
    CLOSED_PORT_BROKER,
    PROJECT_DIR,
    _forget_queue,
    _tail,
    require_redis,
)

pytestmark = pytest.mark.integration

#: How long a test waits for the worker (a cold worker's first PDF takes a few seconds).
WAIT_SECONDS = 120

WORKER_SETTINGS = """\
from pathlib import Path

from tests.settings import *  # noqa: F403

DATABASES = {{  # noqa: F405
    **DATABASES,  # noqa: F405
    "default": {{**DATABASES["default"], "NAME": {database!r}}},  # noqa: F405
}}
MEDIA_ROOT = Path({media!r})
REPORT_SOFT_TIME_LIMIT = {soft}
REPORT_TIME_LIMIT = {hard}
"""

# A renderer that runs away, installed in the worker's process that runs the tasks.
SLOW_RENDERER = """
from celery.signals import worker_process_init


@worker_process_init.connect(weak=False)
def render_slowly(**kwargs):
    import time

    from reports import render

    def slow(**kwargs):
        time.sleep(60)
        return b"%PDF-never"

    render.render_report_pdf = slow
"""


class Worker:
    def __init__(self, process, queue, log_path, media):
        self.process, self.queue, self.log_path, self.media = process, queue, log_path, media

    def log(self) -> str:
        return _tail(self.log_path)


def start_worker(tmp_path, *, soft=300, hard=360, slow=False) -> Worker:
    require_redis()
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    queue = f"test-reports-{uuid.uuid4().hex}"
    media = tmp_path / "media"
    media.mkdir()
    module = f"report_worker_settings_{uuid.uuid4().hex}"
    source = WORKER_SETTINGS.format(
        database=connection.settings_dict["NAME"], media=str(media), soft=soft, hard=hard
    )
    (tmp_path / f"{module}.py").write_text(source + (SLOW_RENDERER if slow else ""))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_DIR)]),
    }
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "csrplatform",
        "worker",
        # Prefork: time limits need a pool that can stop a task.
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "-Q",
        queue,
        "--hostname",
        f"{queue}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return Worker(process, queue, log_path, media)


def stop_worker(worker: Worker) -> None:
    worker.process.terminate()
    try:
        worker.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(timeout=10)
    _forget_queue(worker.queue)


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


def wait_until_finished(report: Report, worker: Worker) -> Report:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.finished:
            return report
        if worker.process.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(
        f"the worker did not finish report {report.pk} (status {report.status}, progress "
        f"{report.progress}); worker exit code {worker.process.poll()}, its log ends:\n"
        f"{worker.log()}"
    )


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
