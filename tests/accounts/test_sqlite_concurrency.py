"""The embedded mode's SQLite settings: concurrent writers wait for one another instead of
failing with "database is locked".

Several processes, each with several threads, write to one SQLite file through Django, with
the project's own settings (csrplatform.settings, not the test settings), in transactions that
read before they write: the pattern that fails at once with SQLite's defaults.
"""

import json
import os
import sqlite3
import subprocess
import sys

from django.conf import settings

PROCESSES, THREADS, WRITES = 3, 4, 15

WRITER = r"""
import json, os, sys, threading
import django

os.environ["DJANGO_SETTINGS_MODULE"] = "csrplatform.settings"
django.setup()
from django.conf import settings
from django.db import connection, transaction

worker, threads, writes = (int(arg) for arg in sys.argv[1:4])
errors = []

def write(thread):
    try:
        for number in range(writes):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM probe")
                cursor.execute(
                    "INSERT INTO probe (worker, thread, number) VALUES (%s, %s, %s)",
                    [worker, thread, number],
                )
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

pool = [threading.Thread(target=write, args=(thread,)) for thread in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
print(json.dumps({
    "errors": errors,
    "journal_mode": journal_mode,
    "options": settings.DATABASES["default"]["OPTIONS"],
}))
"""


def test_concurrent_writers_wait_instead_of_failing(tmp_path):
    database = tmp_path / "embedded.sqlite3"
    # As `migrate` leaves the embedded database before anything serves: already in WAL (the
    # mode is stored in the file). Twelve connections racing to convert a fresh file can be
    # refused at once (SQLite's deadlock guard skips the busy timeout); no server meets that.
    with sqlite3.connect(database) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute(
            "CREATE TABLE probe (id INTEGER PRIMARY KEY, worker INT, thread INT, number INT)"
        )
    setup.close()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(worker), str(THREADS), str(WRITES)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    reports = []
    for writer in writers:
        stdout, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr
        reports.append(json.loads(stdout.strip().splitlines()[-1]))

    for report in reports:
        assert report["errors"] == []
        assert report["journal_mode"] == "wal"
        assert report["options"] == settings.SQLITE_OPTIONS
    with sqlite3.connect(database) as check:
        rows = set(check.execute("SELECT worker, thread, number FROM probe"))
    check.close()
    assert rows == {
        (worker, thread, number)
        for worker in range(PROCESSES)
        for thread in range(THREADS)
        for number in range(WRITES)
    }


def test_the_settings_apply_to_the_embedded_database_only():
    engine = settings.DATABASES["default"]["ENGINE"]
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if engine == "django.db.backends.sqlite3":
        assert options.items() >= settings.SQLITE_OPTIONS.items()
    else:
        assert "init_command" not in options
        assert "transaction_mode" not in options
