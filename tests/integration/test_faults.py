"""Faults with the real services: Redis stopped under report requests, a worker killed
mid-render, PostgreSQL restarted under web requests.

Each fault is made on a private service the test starts (a redis-server, a PostgreSQL cluster
on a free port), never on the shared ones other tests use. Without the programs these skip
with what to install; in CI they fail. The time bounds (15 s) only prove that nothing hangs.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from reports import services
from reports.models import Report, ReportStatus
from reports.tasks import sweep_reports
from tests.conftest import skip_or_fail
from tests.integration.test_services import PROJECT_DIR, _tail
from tests.integration.workers import (
    start_worker,
    stop_worker,
    wait_until_finished,
    wait_until_ready,
)

pytestmark = pytest.mark.integration

#: No answer may take longer: past it a request counts as hung.
ANSWER_WITHIN = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = ANSWER_WITHIN) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on port {port} after {seconds} s")


# --- a private Redis -----------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test stops and restarts."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            shutil.which("redis-server"),
            *("--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
        ]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=ANSWER_WITHIN)


@pytest.fixture
def private_redis(tmp_path, settings):
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed: sudo apt-get install -y redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = PrivateRedis(folder)
    redis.start()
    # The cache stays on REDIS_URL's Redis; only Celery's messages go through this one.
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = redis.url
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def workers(transactional_db, private_redis):
    """Starts workers on the private Redis; stops those still running at the end."""
    started = []

    def start(tmp_path, **kwargs):
        worker = start_worker(tmp_path, broker=private_redis.url, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker, kill=True)  # its broker and queue are thrown away with it


def stored_pdfs(media: Path) -> list[Path]:
    return sorted((media / "reports").rglob("*.pdf")) if (media / "reports").exists() else []


def test_redis_stopped_under_report_requests_loses_none(
    workers, private_redis, world, pilots, settings, tmp_path
):
    worker = workers(tmp_path)
    settings.REPORT_QUEUE, settings.MEDIA_ROOT = worker.queue, worker.media
    wait_until_ready(worker)

    private_redis.stop()
    requests = [
        ("customer_a", "pilot_summary", pilots.pilot_x.pk),
        ("facilitator", "programme_summary", pilots.programme.pk),
        ("customer_b", "pilot_summary", pilots.pilot_y.pk),
    ]
    reports = []
    for role, kind, subject in requests:
        started = time.monotonic()
        report = services.report_request(
            actor=world.users[role], kind=kind, subject_id=subject, language="en"
        )
        assert time.monotonic() - started < ANSWER_WITHIN, "the request waited on the broker"
        reports.append(report)
    # And through the API: 202, the report pending.
    api = APIClient()
    api.force_authenticate(world.users["customer_a"])
    started = time.monotonic()
    response = api.post(
        "/api/v1/reports/",
        {"kind": "supplier_progress", "subject": world.customer_a.pk, "language": "zh-hans"},
    )
    assert time.monotonic() - started < ANSWER_WITHIN, "the API request waited on the broker"
    assert response.status_code == 202, response.content
    assert response.json()["status"] == ReportStatus.PENDING
    reports.append(Report.objects.get(pk=response.json()["id"]))
    for report in reports:
        report.refresh_from_db()
        assert (report.status, report.dispatched_at) == (ReportStatus.PENDING, None)

    # Redis is back, empty (it keeps nothing on disk): beat's sweep sends every report asked
    # for meanwhile (a publish declares the queue again), and the worker, reconnected, renders
    # them.
    private_redis.start()
    assert sweep_reports() == len(reports)
    for report in reports:
        report = wait_until_finished(report, worker)
        assert report.status == ReportStatus.READY, (report.error, worker.log())
        assert (report.attempts, report.rendered_by) == (1, worker.hostname)
        assert (Path(worker.media) / report.file.name).read_bytes().startswith(b"%PDF-")
    assert len(stored_pdfs(Path(worker.media))) == len(reports)
    assert worker.process.poll() is None  # the worker rode out the outage


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def _pool_children(pid: int) -> list[int]:
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.split("/")[2]))
    return children


def test_a_worker_killed_mid_render_is_replaced_and_the_report_rendered_once(
    workers, world, pilots, settings, tmp_path
):
    queue = f"test-reports-{uuid.uuid4().hex}"
    media = tmp_path / "media"
    media.mkdir()
    # A render is abandoned 3 s after it started (in production: past the hard time limit).
    stale = {"REPORT_STALE_AFTER": 3}
    settings.REPORT_STALE_AFTER, settings.REPORT_REDISPATCH_AFTER = 3, 1
    settings.REPORT_QUEUE, settings.MEDIA_ROOT = queue, media
    doomed = workers(tmp_path, queue=queue, media=media, slow=True, name="a", extra_settings=stale)
    report = services.report_request(
        actor=world.users["customer_a"],
        kind="pilot_summary",
        subject_id=pilots.pilot_x.pk,
        language="en",
    )
    deadline = time.monotonic() + 60
    while Report.objects.get(pk=report.pk).status != ReportStatus.RENDERING:
        assert time.monotonic() < deadline, f"the first worker took nothing:\n{doomed.log()}"
        assert doomed.process.poll() is None, doomed.log()
        time.sleep(0.1)
    survivor = workers(tmp_path, queue=queue, media=media, name="b", extra_settings=stale)

    # SIGKILL, the whole worker: its main process and its pool process.
    pool = _pool_children(doomed.process.pid)
    assert pool, "the first worker has no pool process"
    os.killpg(doomed.process.pid, signal.SIGKILL)
    doomed.process.wait(timeout=ANSWER_WITHIN)
    # A killed process takes a moment to go (orphaned, it is reaped by init).
    deadline = time.monotonic() + ANSWER_WITHIN
    while any(_alive(pid) for pid in pool):
        assert time.monotonic() < deadline, "a pool process outlived the kill"
        time.sleep(0.1)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.RENDERING, 1)

    # Its message stays unacknowledged in Redis (for an hour); beat's sweep sends the report
    # again once the render is stale, and the other worker takes it over.
    wait_until_ready(survivor)
    deadline = time.monotonic() + 30
    while services.reports_sweep() == 0:
        assert time.monotonic() < deadline, "the sweep never sent the abandoned render"
        time.sleep(0.5)
    report = wait_until_finished(report, survivor)
    assert report.status == ReportStatus.READY, (report.error, survivor.log())
    # Two renders started (the killed one and this), one finished and stored its file.
    assert (report.attempts, report.rendered_by) == (2, survivor.hostname)
    assert stored_pdfs(media) == [media / report.file.name]
    assert (media / report.file.name).read_bytes().startswith(b"%PDF-")

    # The killed worker's message, redelivered later, renders nothing more; nor does a sweep.
    assert services.reports_sweep() == 0
    assert services.report_render(report.pk, worker="late") == ReportStatus.READY
    again = Report.objects.get(pk=report.pk)
    assert (again.attempts, again.rendered_by, again.file.name) == (
        2,
        survivor.hostname,
        report.file.name,
    )
    assert stored_pdfs(media) == [media / report.file.name]


# --- a private PostgreSQL under gunicorn ---------------------------------------------------------

# Production settings, but static files served from the source folders: collecting them (as
# the Dockerfile does) takes minutes, and no request here is about them.
GUNICORN_SETTINGS = """\
from csrplatform.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""

PREPARE = """\
import json

from django.test import Client

from csrplatform.accounts.models import Role
from csrplatform.accounts.services import api_token_create
from tests.factories import OrganisationFactory, SupplierFactory, member

organisation = OrganisationFactory(name="Facilitator Org", kind="facilitator")
SupplierFactory(organisation__name="Supplier X")
user = member(organisation, Role.ADMIN, email="faults@example.org")
_row, key = api_token_create(user=user, name="faults", read_only=True)
client = Client()
client.force_login(user)
print(json.dumps({"token": key, "session": client.cookies["sessionid"].value}))
"""


RUNUSER = ("runuser", "-u", "postgres", "--")


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a folder owned by the postgres user (initdb
    refuses to run as root)."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="csr-faults-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/csr"

    def _run(self, *command) -> None:
        done = subprocess.run(
            [*RUNUSER, *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr, self.log())

    def log(self) -> str:
        return _tail(self.folder / "server.log")

    def create(self) -> None:
        initdb = self.bin / "initdb"
        self._run(str(initdb), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run(str(self.bin / "createdb"), "-h", str(self.folder), "-p", str(self.port), "csr")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = str(self.bin / "pg_ctl")
        log = str(self.folder / "server.log")
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        subprocess.run(
            [*RUNUSER, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        skip_or_fail("PostgreSQL's server programs are missing: sudo apt-get install -y postgresql")
    if os.geteuid() != 0 or not shutil.which("runuser"):
        skip_or_fail("a private PostgreSQL cluster is made as root, through runuser (util-linux)")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


# As the Dockerfile runs it, with 2 workers instead of 3 (the test machine has 2 cores).
GUNICORN = (
    str(Path(sys.executable).parent / "gunicorn"),
    "csrplatform.wsgi",
    *("--workers", "2", "--worker-class", "sync", "--timeout", "300"),
)


def _gunicorn_env(folder: Path, database_url: str) -> dict:
    """What the Dockerfile's containers get (benchmarks/run.py `bench_env`)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        # The throttle's history lives in REDIS_URL's Redis, beyond this test's cluster.
        API_THROTTLE_USER="1000000/second",
        DJANGO_SETTINGS_MODULE="faults_gunicorn_settings",
        PYTHONPATH=os.pathsep.join([str(folder), str(PROJECT_DIR)]),
    )
    return env


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _get(url: str, headers: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_WITHIN) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _worker_pids(master: int) -> set[int]:
    return set(_pool_children(master))


def test_postgres_restarted_under_requests_answers_503_then_recovers(private_postgres, tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "faults_gunicorn_settings.py").write_text(GUNICORN_SETTINGS)
    env = _gunicorn_env(folder, private_postgres.url)
    _manage(env, "migrate", "--noinput", "-v", "0")
    prepared = json.loads(_manage(env, "shell", "--no-imports", "-c", PREPARE).splitlines()[-1])

    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{port}"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 60)
        base = f"http://127.0.0.1:{port}"
        targets = {
            "api": (f"{base}/api/v1/suppliers/", {"Authorization": f"Token {prepared['token']}"}),
            "page": (f"{base}/directory/", {"Cookie": f"sessionid={prepared['session']}"}),
        }
        answers = []  # (name, status, headers, body, seconds, finished at)
        stop = threading.Event()

        def ask_in_a_loop():
            while not stop.is_set():
                for name, (url, headers) in targets.items():
                    started = time.monotonic()
                    try:
                        status, got, body = _get(url, headers)
                    except Exception as exc:  # a timeout is a hang: recorded, then failed
                        status, got, body = 0, {}, repr(exc).encode()
                    answers.append(
                        (name, status, got, body, time.monotonic() - started, time.monotonic())
                    )

        for name, (url, headers) in targets.items():
            status, _headers, body = _get(url, headers)
            assert status == 200, (name, body[:500], _tail(log_path))
        pids = _worker_pids(server.pid)
        assert len(pids) == 2

        asker = threading.Thread(target=ask_in_a_loop, daemon=True)
        asker.start()
        time.sleep(1)
        private_postgres.stop()
        stopped_at = time.monotonic()
        time.sleep(2)
        # PostgreSQL answers before `pg_ctl start` returns: the outage ends when it is called.
        restarting_at = time.monotonic()
        private_postgres.start()
        started_at = time.monotonic()
        # Recovered: both answer 200 again, a few times in a row (each worker's connection).
        deadline = started_at + ANSWER_WITHIN
        while not (len(answers) > 8 and all(a[1] == 200 for a in answers[-8:])):
            assert time.monotonic() < deadline, "not recovered: " + repr(
                [(a[0], a[1]) for a in answers[-8:]]
            )
            time.sleep(0.1)
        stop.set()
        asker.join(timeout=ANSWER_WITHIN + 5)

        assert server.poll() is None
        assert _worker_pids(server.pid) == pids, "gunicorn replaced its workers"
        for name, status, _headers, body, seconds, _at in answers:
            assert status in (200, 503), (name, status, body[:1000], _tail(log_path))
            assert seconds < ANSWER_WITHIN
        during = [a for a in answers if stopped_at <= a[5] - a[4] and a[5] <= restarting_at]
        assert {a[0] for a in during} == {"api", "page"}, "no request ran during the outage"
        for name, status, headers, body, _seconds, _at in during:
            assert status == 503, (name, status, body[:500])
            assert headers["Retry-After"] == "5"
            if name == "api":
                assert headers["Content-Type"] == "application/json"
                detail = json.loads(body)["detail"]
                assert "database cannot be reached" in detail
            else:
                assert headers["Content-Type"].startswith("text/html")
                assert b"database cannot be reached" in body
                assert b"Traceback" not in body
        recovered = [a for a in answers if a[5] > started_at and a[1] == 200]
        first_success = min(a[5] for a in recovered) - started_at
        sys.stderr.write(
            f"\n{len(during)} answers during the outage, all 503; "
            f"first 200 {first_success:.2f} s after PostgreSQL was back\n"
        )
        server_log = log_path.read_text(errors="replace")
        assert "Service Unavailable (database" in server_log
        assert "Internal Server Error" not in server_log
        assert "Traceback" not in server_log
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=30)
