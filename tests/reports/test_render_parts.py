"""A programme summary laid out in parts on every core (issue 13): its pilots by a pool of
processes, joined in order, with page numbers and contents that are right for the whole.

The pool's processes read the database on their own connections: the demo is committed
(transactional_db) and the parts are turned on for its five pilots.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from csrplatform.accounts.models import User
from pilots import demo
from pilots.models import Programme
from reports import parts, render, services
from reports.models import ReportStatus
from tests.conftest import skip_or_fail
from tests.integration.workers import start_worker, stop_worker, wait_until_finished
from tests.reports.pdf_helpers import embedded_fonts, page_texts, pdf_text


@pytest.fixture
def demo_programme(transactional_db, settings):
    if not render.pool_can_open_the_database():
        skip_or_fail(
            "the parts' processes cannot open SQLite's in-memory test database: set "
            "DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/csr"
        )
    call_command("load_demo", stdout=StringIO())
    settings.REPORT_PDF_WORKERS = 2
    settings.REPORT_PDF_PARALLEL_MIN_SECTIONS = 2
    programme = Programme.objects.get(title=demo.PROGRAMME["title"])
    facilitator = User.objects.get(email=demo.FACILITATOR_EMAIL)
    return programme, facilitator


def _render(programme, user, language="en"):
    calls = []
    data = render.render_report_pdf(
        kind="programme_summary",
        subject_id=programme.pk,
        user=user,
        language=language,
        on_progress=calls.append,
    )
    return data, calls


def test_the_parts_join_in_order_with_page_numbers_and_contents_right(demo_programme, settings):
    programme, facilitator = demo_programme
    data, calls = _render(programme, facilitator)
    pages = page_texts(data)
    total = len(pages)
    assert calls[-1] == 100
    assert calls == sorted(calls)

    # "N / M" on every page but the cover, 2..M in order: stamped once, on the right page.
    assert f"/ {total}" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert re.search(rf"(?<!\d){number} / {total}$", text), (number, text[-40:])
        assert text.count(f" / {total}") == 1, number

    # The contents point at the pages where the sections and each pilot begin.
    contents = next(page for page in pages if "Contents" in page[:80])
    pilots = list(programme.pilots.select_related("supplier__organisation").order_by("id"))
    openings = {
        "Stakeholder participation": "Stakeholder participation Organisations expected",
        "Resource analysis": "Resource analysis Pilot Borne by",
        **{pilot.title: f"{pilot.title} {pilot.supplier.organisation.name}" for pilot in pilots},
    }
    starts = []
    for title, opening in openings.items():
        match = re.search(rf"{re.escape(title)} \.+ (\d+)", contents)
        assert match, title
        page = int(match.group(1))
        assert opening in pages[page - 1], (title, page)
        starts.append(page)
    assert starts == sorted(starts)  # every section, in the report's order

    # The same report as one process lays it out, pilot for pilot.
    settings.REPORT_PDF_WORKERS = 1
    single, _calls = _render(programme, facilitator)
    text, single_text = pdf_text(data), pdf_text(single)
    for pilot in pilots:
        assert f"{pilot.title} {pilot.supplier.organisation.name}" in single_text
    positions = [
        text.index(f"{pilot.title} {pilot.supplier.organisation.name}") for pilot in pilots
    ]
    assert positions == sorted(positions)


def test_a_chinese_programme_summary_in_parts_embeds_the_cjk_font(demo_programme):
    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing: sudo apt-get install -y fontconfig fonts-noto-cjk")
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    if "Noto Sans CJK SC" not in families:
        skip_or_fail("No CJK font: sudo apt-get install -y fonts-noto-cjk")
    programme, facilitator = demo_programme
    programme.pilots.filter(pk=programme.pilots.order_by("id").last().pk).update(
        context="工厂位于深圳宝安区。"
    )
    data, _calls = _render(programme, facilitator, language="zh-hans")
    assert "工厂位于深圳宝安区。" in pdf_text(data)  # in the last part, laid out apart
    assert any("CJK" in name for name in embedded_fonts(data))


@pytest.mark.integration
def test_a_celery_worker_lays_a_programme_summary_out_in_parts(demo_programme, settings, tmp_path):
    """A prefork worker's pool process is daemonic: the parts' pool is spawned, not forked."""
    programme, facilitator = demo_programme
    worker = start_worker(
        tmp_path,
        extra_settings={"REPORT_PDF_WORKERS": 2, "REPORT_PDF_PARALLEL_MIN_SECTIONS": 2},
    )
    settings.REPORT_QUEUE = worker.queue
    settings.MEDIA_ROOT = worker.media
    try:
        report = services.report_request(
            actor=facilitator, kind="programme_summary", subject_id=programme.pk, language="en"
        )
        report = wait_until_finished(report, worker)
    finally:
        stop_worker(worker)
    assert report.status == ReportStatus.READY, (report.error, worker.log())
    pages = page_texts((Path(worker.media) / report.file.name).read_bytes())
    assert pages[-1].endswith(f"{len(pages)} / {len(pages)}")


def test_parts_are_laid_out_on_every_core_unless_told_otherwise(settings):
    settings.REPORT_PDF_WORKERS = 0
    assert render.parallel_workers() == (os.cpu_count() or 1)
    settings.REPORT_PDF_WORKERS = 1
    assert render.parallel_workers() == 1
    del settings.REPORT_PDF_WORKERS
    assert render.parallel_workers() == (os.cpu_count() or 1)


PARENT = """
import os, sys
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from reports import parts

if __name__ == "__main__":
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=parts.start,
        initargs=(os.environ["DJANGO_SETTINGS_MODULE"], "unused"),
    )
    print(pool.submit(os.getpid).result(timeout=60), flush=True)
    sys.stdin.read()  # until the test kills this process
"""


def _running(pid) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended, waiting for init to reap it


def test_a_part_process_ends_when_the_render_is_killed(tmp_path, settings):
    """A render killed outright leaves no pool process laying out its parts."""
    if not Path("/proc/self/status").exists():
        skip_or_fail("needs /proc (Linux) to see the pool's process")
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10 * parts.PARENT_CHECK_S
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(child)
    finally:
        parent.kill()
