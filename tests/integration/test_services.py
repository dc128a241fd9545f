"""The real services: PostgreSQL, Redis and a Celery worker consuming over Redis.

Set DATABASE_URL (postgres://...) and REDIS_URL (redis://...) to run them; without them they
skip, and in CI they fail, because CI must prove the production services work.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.integration

NEED_POSTGRES = "set DATABASE_URL to a PostgreSQL database"
NEED_REDIS = "set REDIS_URL to a running Redis, e.g. redis://127.0.0.1:6379/0"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
PROJECT_DIR = Path(settings.BASE_DIR)


def require_redis():
    if not os.environ.get("REDIS_URL"):
        skip_or_fail(NEED_REDIS)


def test_database_is_the_configured_one():
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        assert connection.vendor == "postgresql"
    else:
        # Skips here; fails in CI (tests.conftest.IN_CI), which must run on PostgreSQL.
        skip_or_fail(NEED_POSTGRES)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


def _forget_queue(queue: str) -> None:
    """Leave neither the throwaway queue nor its binding tables behind in Redis."""
    from csrplatform import celery_app

    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        prefixes = ("keyprefix_queue", "keyprefix_binding_permanent")
        keys = [getattr(channel, prefix) % queue for prefix in prefixes if hasattr(channel, prefix)]
        channel.client.delete(queue, *keys)


def test_celery_worker_runs_a_task_over_redis(tmp_path):
    require_redis()
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_BROKER_URL.startswith("redis")

    from csrplatform.tasks import ping

    # A queue of this test's own, so that no other worker on the same Redis takes the task.
    queue = f"test-ping-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "csrplatform",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "-Q",
        queue,
        "--hostname",
        f"{queue}@%h",
    ]
    # The worker reads the same settings as this process (tests.settings unless --ds says else).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
    }
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        result = None
        try:
            result = ping.apply_async(queue=queue)
            try:
                answer = result.get(timeout=60)
            except Exception as exc:
                pytest.fail(
                    f"the worker did not answer the ping ({exc.__class__.__name__}: {exc}); "
                    f"worker exit code {worker.poll()}, its log ends:\n{_tail(log_path)}"
                )
            assert answer == "pong"
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
            _forget_queue(queue)
            if result is not None:
                result.forget()


def test_healthz_reports_redis_and_503_when_broker_down(client, db, settings):
    require_redis()
    assert settings.CELERY_TASK_ALWAYS_EAGER is False

    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["broker"] == "ok"
    assert body["database"] == "ok"

    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    response = client.get("/healthz")
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["broker"].startswith("error")
    assert body["database"] == "ok"
    assert body["status"] == "error"


def test_healthz_eager_in_embedded_mode(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["broker"] == "eager"
    assert body["database"] == "ok"
    assert body["status"] == "ok"
