"""Real Celery workers for the integration tests, each with a settings module of its own.

A worker consumes a queue of its test's own (no other worker on the same Redis takes its
tasks), reads the test database and writes into a media folder the test reads too; a test may
give it another broker (a private Redis) and other settings.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from reports.models import Report
from tests.integration.test_services import PROJECT_DIR, _forget_queue, _tail, require_redis

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
    def __init__(self, process, queue, log_path, media, hostname, broker=None):
        self.process, self.queue, self.log_path, self.media = process, queue, log_path, media
        self.hostname, self.broker = hostname, broker

    def log(self) -> str:
        return _tail(self.log_path)


def start_worker(
    tmp_path,
    *,
    soft=300,
    hard=360,
    slow=False,
    queue=None,
    media=None,
    broker=None,
    extra_settings=None,
    name="worker",
) -> Worker:
    """A prefork worker (one pool process) on `queue` (a new one by default), writing into
    `media` (a new folder by default); `broker` replaces REDIS_URL's, `extra_settings` (name:
    value) are added to its settings."""
    require_redis()
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    queue = queue or f"test-reports-{uuid.uuid4().hex}"
    folder = tmp_path / name
    folder.mkdir()
    if media is None:
        media = folder / "media"
        media.mkdir()
    module = f"report_worker_settings_{uuid.uuid4().hex}"
    source = WORKER_SETTINGS.format(
        database=connection.settings_dict["NAME"], media=str(media), soft=soft, hard=hard
    )
    overrides = dict(extra_settings or {})
    if broker:
        overrides.update(CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker)
    source += "".join(f"{key} = {value!r}\n" for key, value in overrides.items())
    (folder / f"{module}.py").write_text(source + (SLOW_RENDERER if slow else ""))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "PYTHONPATH": os.pathsep.join([str(folder), str(PROJECT_DIR)]),
    }
    log_path = folder / "worker.log"
    hostname = f"{name}-{queue}@%h"
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
        hostname,
    ]
    with log_path.open("wb") as log:
        # A session of its own: a test may kill the worker's whole process group.
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hostname = hostname.replace("%h", socket.gethostname())
    return Worker(process, queue, log_path, media, hostname, broker)


def wait_until_ready(worker: Worker, seconds=WAIT_SECONDS) -> None:
    """Until the worker consumes (Celery logs "<hostname> ready.")."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if f"{worker.hostname} ready." in worker.log_path.read_text(errors="replace"):
            return
        if worker.process.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail(f"the worker did not start; exit code {worker.process.poll()}:\n{worker.log()}")


def stop_worker(worker: Worker, *, kill=False) -> None:
    """Stops the worker (`kill`: at once, its whole process group, when nothing it holds
    matters any more)."""
    if kill and worker.process.poll() is None:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=10)
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)
    if worker.broker is None:  # a private broker goes away with its data
        _forget_queue(worker.queue)


def wait_until_finished(report: Report, worker: Worker, seconds=WAIT_SECONDS) -> Report:
    deadline = time.monotonic() + seconds
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
