"""Rendering a report's PDF: the one entry point the report pipeline calls (issue 12).

`render_report_pdf` reads the content as the requester may see it (reports.content), renders
`templates/reports/pdf/<kind>.html` in the requested language and lays it out with WeasyPrint
through the static-only URL fetcher (reports.pdf). It holds no state between calls: two
requesters get two renders, never a copy made for the other.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import Http404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from metrics import money

from . import content, parts, pdf

REPORT_KINDS = ("pilot_summary", "programme_summary", "supplier_progress")
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


class RenderError(Exception):
    """A data or template error while rendering a report, with a readable message."""


def subject_queryset(kind):
    """The unscoped queryset of the model whose pk is the subject id of `kind`."""
    from pilots.models import Pilot, Programme
    from suppliers.models import Organisation

    querysets = {
        "pilot_summary": Pilot.objects.all,
        "programme_summary": Programme.objects.all,
        "supplier_progress": lambda: Organisation.objects.filter(kind="customer"),
    }
    if kind not in querysets:
        raise ValueError(f"Unknown report kind {kind!r}")
    return querysets[kind]()


def visible_subjects(kind, user):
    """The subjects of `kind` that `user` may ask a report about (the rest answer 404)."""
    from csrplatform import access

    if kind == "supplier_progress":
        return content.customers_for(user)
    return access.scope(user, subject_queryset(kind))


def _check(kind, language):
    if kind not in REPORT_KINDS:
        raise ValueError(f"Unknown report kind {kind!r}")
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}")


@contextmanager
def _readable_errors():
    """Data and template errors as RenderError (a missing subject stays Http404)."""
    try:
        yield
    except Http404:
        raise
    except (TemplateDoesNotExist, TemplateSyntaxError, ImproperlyConfigured) as exc:
        raise RenderError(
            _("The report template could not be rendered: %(error)s") % {"error": exc}
        ) from exc
    except money.MissingRate as exc:
        raise RenderError(" ".join(exc.messages)) from exc


def _html(kind, context, *, language, user, generated_at=None):
    """The template of `kind` rendered with `context` (in the active language)."""
    return render_to_string(
        f"reports/pdf/{kind}.html",
        {
            **context,
            "kind": kind,
            "language": language,
            "requested_by": user,
            "generated_at": generated_at or timezone.now(),
            "report_static": pdf.REPORT_STATIC_URL,
            "usd_rule": _(
                "USD figures are rounded half up to whole dollars; original amounts "
                "keep their cents."
            ),
        },
    )


def render_report_html(*, kind: str, subject_id: int, user, language: str, on_progress=None):
    """The report's HTML (what `render_report_pdf` lays out), in `language`."""
    _check(kind, language)

    def progress(percent):
        if on_progress is not None:
            on_progress(percent)

    with override(language), _readable_errors():
        context = content.BUILDERS[kind](user, subject_id, progress)
        html = _html(kind, context, language=language, user=user)
    progress(75)
    return html


def render_report_pdf(*, kind: str, subject_id: int, user, language: str, on_progress=None):
    """The PDF of `kind` about subject `subject_id` as `user` may see it, in `language`
    ("en" or "zh-hans"). Raises Http404 when the user may not see the subject (the same as a
    missing one); RenderError for a data or template error; calls `on_progress(percent)` as
    sections are done."""
    _check(kind, language)
    try:
        if kind == "programme_summary" and parallel_workers() > 1:
            data = _render_programme_in_parts(subject_id, user, language, on_progress)
        else:
            html = render_report_html(
                kind=kind,
                subject_id=subject_id,
                user=user,
                language=language,
                on_progress=on_progress,
            )
            data = pdf.render_pdf(html, on_progress=on_progress)
    except (ValueError, TypeError, AssertionError) as exc:
        raise RenderError(_("The PDF could not be laid out: %(error)s") % {"error": exc}) from exc
    if on_progress is not None:
        on_progress(100)
    return data


# --- a programme summary in parts, on every core ---------------------------------------------
#
# WeasyPrint lays a document out in one thread, and a programme summary details dozens of pilots
# (hundreds of pages, each pilot with its charts). Its pilots are laid out in parts by a pool of
# processes while this one lays out the front matter; the parts are joined in order (pypdf), the
# contents get the page numbers the parts turned out to have (the cover and contents, a part of
# known length, are laid out last), and "N / M" is stamped on every page from a document of
# footers alone, which costs a fraction of a second layout.

#: Fewer detailed pilots than this (REPORT_PDF_PARALLEL_MIN_SECTIONS): one process (the pool's
#: start-up would not pay).
PARALLEL_MIN_SECTIONS = 6
#: Parts per worker: a little more than one, so a long part does not leave a core idle.
PARTS_PER_WORKER = 2


def parallel_workers() -> int:
    """How many processes lay out a programme summary's parts (REPORT_PDF_WORKERS; 0, the
    default: the machine's cores; benchmarks/pdfs.py measures parts against one process)."""
    configured = getattr(settings, "REPORT_PDF_WORKERS", 0)
    return max(1, int(configured if configured is not None else 0) or os.cpu_count() or 1)


def pool_can_open_the_database() -> bool:
    """Whether the parts' processes, spawned afresh, can open the database this one reads:
    not SQLite's in-memory database (the test suite's), which lives in this process alone."""
    connection = connections["default"]
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


@contextmanager
def _may_have_children():
    """Let a daemonic process (a Celery prefork worker's child) start the parts' pool. The
    rule is there so no child outlives a daemon killed with its parent: the pool's processes
    are joined (or terminated) before the render returns, and end themselves when their
    parent is gone (`parts.start`)."""
    from multiprocessing.process import AuthenticationString

    process = multiprocessing.current_process()
    saved = dict(process._config)
    process._config["daemon"] = False
    # billiard (Celery's pool) puts its own key type here, which the stdlib's spawn cannot send.
    process._config["authkey"] = AuthenticationString(bytes(saved["authkey"]))
    try:
        yield
    finally:
        process._config.clear()
        process._config.update(saved)


def _laid_out(html: str):
    """The WeasyPrint document of `html`, and its PDF."""
    document = pdf.render_document(html)
    return document, document.write_pdf()


def _anchor_pages(document, anchors) -> dict[str, int]:
    """The page (0-based) where each of `anchors` is, in a laid-out document."""
    wanted, found = set(anchors), {}
    for number, page in enumerate(document.pages):
        for anchor in wanted.intersection(page.anchors) - found.keys():
            found[anchor] = number
    return found


def render_pilots_part(user_pk, language, title, subtitle, pilot_ids, generated_at):
    """One part of a programme summary (run in a pool process): the sections of `pilot_ids`
    laid out as a PDF. Returns (pdf bytes, page count, {anchor: page in the part})."""
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    close_old_connections()
    user = get_user_model().objects.get(pk=user_pk)
    with override(language), _readable_errors():
        sections = content.pilot_sections(user, pilot_ids)
        html = _html(
            "programme_summary",
            {"part": "pilots", "title": title, "subtitle": subtitle, "sections": sections},
            language=language,
            user=user,
            generated_at=generated_at,
        )
    document, data = _laid_out(html)
    anchors = _anchor_pages(document, [section["anchor"] for section in sections])
    return data, len(document.pages), anchors


def _groups(items: list, count: int) -> list[list]:
    """`items` in `count` consecutive groups of nearly equal size."""
    size, extra = divmod(len(items), count)
    groups, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        if end > start:
            groups.append(items[start:end])
        start = end
    return groups


FRONT_ANCHORS = {
    "overview": "overview",
    "participation": "participation",
    "resources": "resources",
    "results": "results",
    "budget": "budget",
    "pilot-summaries": "pilot_summaries",
}


def _render_programme_in_parts(subject_id, user, language, on_progress):
    def progress(percent):
        if on_progress is not None:
            on_progress(percent)

    generated_at = timezone.now()
    with override(language), _readable_errors():
        context = content.programme_summary(user, subject_id, progress, detail=False)
    sections = context["sections"]
    workers = min(parallel_workers(), len(sections))
    least = getattr(settings, "REPORT_PDF_PARALLEL_MIN_SECTIONS", PARALLEL_MIN_SECTIONS)
    if len(sections) < least or workers < 2 or not pool_can_open_the_database():
        with override(language), _readable_errors():
            context = content.programme_summary(user, subject_id, progress)
            html = _html("programme_summary", context, language=language, user=user)
        return pdf.render_pdf(html, on_progress=on_progress)

    def front(part, pages=None):
        with override(language), _readable_errors():
            return _html(
                "programme_summary",
                {**context, "part": part, "pages": pages},
                language=language,
                user=user,
                generated_at=generated_at,
            )

    groups = _groups([s["pilot"].pk for s in sections], workers * PARTS_PER_WORKER)
    spawn = multiprocessing.get_context("spawn")  # a Celery worker's child may not fork a pool
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=spawn,
        initializer=parts.start,
        initargs=(
            os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
            settings.DATABASES["default"]["NAME"],
        ),
    )
    try:
        with _may_have_children():  # the pool starts its processes as work is submitted
            futures = [
                pool.submit(
                    parts.render_pilots,
                    user.pk,
                    language,
                    str(context["title"]),
                    str(context["subtitle"]),
                    group,
                    generated_at,
                )
                for group in groups
            ]
        # Meanwhile, here: the front matter, and the cover and contents with placeholder page
        # numbers of the same width, to learn how many pages they take.
        placeholder = dict.fromkeys(FRONT_ANCHORS.values(), "000")
        for section in sections:
            section["page"] = "000"
        cover_document, _data = _laid_out(front("cover", placeholder))
        front_document, front_pdf = _laid_out(front("front"))
        progress(40)
        laid_out = []
        for index, future in enumerate(futures):
            laid_out.append(future.result())
            progress(40 + 45 * (index + 1) // len(futures))
    except BaseException:
        # A failed part, or the task's time limit: stop the other parts now, not when done.
        for process in list((pool._processes or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    cover_pages = len(cover_document.pages)
    # 1-based page numbers of the joined document.
    pages = {
        FRONT_ANCHORS[anchor]: cover_pages + number + 1
        for anchor, number in _anchor_pages(front_document, FRONT_ANCHORS).items()
    }
    offset = cover_pages + len(front_document.pages)
    anchor_page = {}
    for _part_pdf, count, anchors in laid_out:
        anchor_page.update({anchor: offset + number + 1 for anchor, number in anchors.items()})
        offset += count
    for section in sections:
        section["page"] = anchor_page.get(section["anchor"], "—")
    cover_document, cover_pdf = _laid_out(front("cover", pages))
    if len(cover_document.pages) != cover_pages:
        raise RenderError(_("The contents changed length while numbering its pages."))
    progress(90)
    return pdf.join_pdfs([cover_pdf, front_pdf, *(part[0] for part in laid_out)], language)
