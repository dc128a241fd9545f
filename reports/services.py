"""Requesting, dispatching, rendering and retrying reports.

A request writes a pending row and sends the render task once the transaction commits. The task
takes the row (a conditional UPDATE, so that two workers never both render it), renders it as
its requester may see the subject, stores the file under a new name and marks the row ready,
or records why it failed. A broker that is down never holds up a request: the row stays
pending and the sweep (Celery beat, every minute) sends it again.
"""

import logging
import time
import uuid
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict

from . import render
from .models import SUBJECT_FIELDS, Report, ReportKind, ReportLanguage, ReportStatus

logger = logging.getLogger(__name__)

#: Errors worth trying again later: the database or a network peer was briefly away.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)
#: Progress is written at most this often (seconds), and at every tenth percent.
PROGRESS_INTERVAL = 1.0
#: How many reports one sweep sends at most (each is one small publish).
SWEEP_BATCH = 200


# --- the subject ---------------------------------------------------------------------------------


def subject_queryset(user, kind):
    """The subjects of `kind` `user` may ask a report about: the pilots and programmes it
    sees; for a supplier-progress report (one customer's view of its suppliers), the customers
    it belongs to, and for a facilitator those taking part in its programmes. The renderer
    answers from the same function, so a request and its render never disagree."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("There is no such report.")})
    return render.visible_subjects(kind, user)


def report_subject(user, kind, subject_id):
    """The subject, if `user` may ask for this report about it; otherwise 404, the same for a
    subject that is hidden, missing or named by a malformed id."""
    return access.get_or_404(subject_queryset(user, kind), pk=subject_id)


# --- requesting and dispatching ------------------------------------------------------------------


def default_language() -> str:
    """The language the page is in, if reports are written in it; else English."""
    language = (get_language() or "").lower()
    return language if language in ReportLanguage.values else ReportLanguage.ENGLISH


def report_request(*, actor, kind: str, subject_id, language: str) -> Report:
    """Ask for a report about `subject_id` as `actor` may see it; the render is sent when the
    transaction commits. A request like one still waiting or rendering gives that one."""
    if language not in ReportLanguage.values:
        raise ValidationError({"language": _("Reports are written in English or Chinese.")})
    subject = report_subject(actor, kind, subject_id)
    field = SUBJECT_FIELDS[ReportKind(kind)]
    with transaction.atomic():
        waiting = (
            Report.objects.of(actor)
            .filter(kind=kind, language=language, **{field: subject})
            .filter(status__in=(ReportStatus.PENDING, ReportStatus.RENDERING))
            .first()
        )
        if waiting is not None:
            return waiting
        report = Report(kind=kind, language=language, requested_by=actor, **{field: subject})
        report.full_clean()
        report.save()
        transaction.on_commit(partial(report_dispatch, report.pk))
    return report


def report_retry(*, actor, report: Report) -> Report:
    """Render a failed report again (a new attempt: progress and error start afresh)."""
    with transaction.atomic():
        changed = Report.objects.filter(
            pk=report.pk, requested_by_id=actor.pk, status=ReportStatus.FAILED
        ).update(status=ReportStatus.PENDING, progress=0, error="", claim=None, finished_at=None)
        if not changed:
            raise Conflict(_("Only a failed report can be rendered again."))
        transaction.on_commit(partial(report_dispatch, report.pk))
    report.refresh_from_db()
    return report


def _publish(report_id: int) -> None:
    from csrplatform import celery_app

    from .tasks import render_report

    if celery_app.conf.task_always_eager:
        # The embedded mode renders now, in this process.
        render_report.apply_async((report_id,))
        return
    # A connection of its own, with the short socket timeouts of
    # CELERY_BROKER_TRANSPORT_OPTIONS, one connection attempt (kombu's default tries again
    # for 6 s on a refused one) and no publish retries: with the broker down this fails at
    # once instead of holding the request (Celery's own retries can wait for ever). Reports
    # are few, so a connection per report costs nothing that matters.
    with celery_app.connection_for_write(
        connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        transport_options={"max_retries": 0},
    ) as connection:
        render_report.apply_async(
            (report_id,),
            connection=connection,
            retry=False,
            queue=settings.REPORT_QUEUE,
            ignore_result=True,
            # The limits travel with the message (read now, so that they follow settings).
            soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
            time_limit=settings.REPORT_TIME_LIMIT,
        )


def report_dispatch(report_id: int) -> bool:
    """Send the render task of a report; False (and the report left pending, for the sweep)
    when the broker cannot be reached."""
    Report.objects.filter(pk=report_id).update(dispatched_at=timezone.now())
    try:
        _publish(report_id)
    except Exception:
        # Whatever the broker's client raises (OperationalError, OSError, a timeout...), the
        # row stays pending and the next sweep sends it again.
        logger.warning("Report %s could not be sent to the broker.", report_id, exc_info=True)
        Report.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(dispatched_at=None)
        return False
    return True


def _stale_render_cutoff(now):
    # A render started before this was abandoned (its worker died): REPORT_STALE_AFTER exceeds
    # the hard time limit, which stops any live render.
    return now - timedelta(seconds=settings.REPORT_STALE_AFTER)


def reports_sweep(now=None) -> int:
    """Send again what no worker has: reports pending and not sent recently (the broker was
    down, or the message was lost), and renders left behind by a worker that died. Returns how
    many were sent."""
    now = now or timezone.now()
    not_recently = Q(dispatched_at__isnull=True) | Q(
        dispatched_at__lt=now - timedelta(seconds=settings.REPORT_REDISPATCH_AFTER)
    )
    waiting = Q(status=ReportStatus.PENDING) | Q(
        status=ReportStatus.RENDERING, started_at__lt=_stale_render_cutoff(now)
    )
    ids = list(
        Report.objects.filter(waiting & not_recently)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(report_dispatch(report_id) for report_id in ids)


# --- rendering -----------------------------------------------------------------------------------


class _Progress:
    """`on_progress` for the renderer: writes the percentage on the row, not on every call."""

    def __init__(self, report_id, claim):
        self.rows = Report.objects.filter(pk=report_id, claim=claim)
        self.written, self.at = 0, 0.0

    def __call__(self, percent) -> None:
        percent = max(0, min(99, int(percent)))  # 100 is for a stored file
        now = time.monotonic()
        if percent <= self.written:
            return
        if percent - self.written < 10 and now - self.at < PROGRESS_INTERVAL:
            return
        self.rows.update(progress=percent)
        self.written, self.at = percent, now


def _claim(report_id: int):
    """Take the row for this render: the claim token, or None if it is not ours to render
    (finished, failed, or being rendered by a live worker)."""
    token = uuid.uuid4()
    now = timezone.now()
    takeable = Q(status=ReportStatus.PENDING) | Q(
        status=ReportStatus.RENDERING, started_at__lt=_stale_render_cutoff(now)
    )
    taken = Report.objects.filter(takeable, pk=report_id).update(
        status=ReportStatus.RENDERING,
        claim=token,
        started_at=now,
        finished_at=None,
        progress=0,
        error="",
        rendered_by="",
        attempts=F("attempts") + 1,
    )
    return token if taken else None


def _finish(report_id, token, **fields) -> bool:
    return bool(
        Report.objects.filter(pk=report_id, claim=token, status=ReportStatus.RENDERING).update(
            claim=None, finished_at=timezone.now(), **fields
        )
    )


def _fail(report_id, token, message) -> None:
    _finish(report_id, token, status=ReportStatus.FAILED, error=str(message))


def report_render(report_id: int, *, may_retry: bool = False, worker: str = "") -> str:
    """Render a report if it is still to be rendered; returns the status it is left in.

    A transient error (the database or a peer briefly away) puts the report back to pending
    and is raised again when `may_retry`, for the task to try later; any other error, a render
    that ran out of time, or a transient one on the last try marks it failed with a readable
    reason. Nothing half-written is ever served: the row is ready only once its file is stored.
    `worker` (the Celery hostname) is recorded as `rendered_by` on the render that stores it.
    """
    token = _claim(report_id)
    if token is None:
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first() or ""
    report = Report.objects.select_related("requested_by").get(pk=report_id)
    requester = report.requested_by
    with translation.override(requester.language or settings.LANGUAGE_CODE):
        try:
            with translation.override(report.language):
                pdf = render.render_report_pdf(
                    kind=report.kind,
                    subject_id=report.subject_id,
                    user=requester,
                    language=report.language,
                    on_progress=_Progress(report_id, token),
                )
            if not pdf:
                raise render.RenderError(_("The renderer produced an empty file."))
            report.file.save("report.pdf", ContentFile(pdf), save=False)
            if not _finish(
                report_id,
                token,
                status=ReportStatus.READY,
                progress=100,
                file=report.file.name,
                rendered_by=worker[:200],
            ):
                # Another render took the row over meanwhile: its file is the one kept.
                report.file.delete(save=False)
            return ReportStatus.READY
        except SoftTimeLimitExceeded:
            _fail(
                report_id,
                token,
                ngettext(
                    "Rendering took longer than %(seconds)d second and was stopped.",
                    "Rendering took longer than %(seconds)d seconds and was stopped.",
                    settings.REPORT_SOFT_TIME_LIMIT,
                )
                % {"seconds": settings.REPORT_SOFT_TIME_LIMIT},
            )
        except render.RenderError as exc:
            _fail(report_id, token, str(exc) or _("The report could not be rendered."))
        except Http404:
            _fail(report_id, token, _("You may no longer see what this report is about."))
        except TRANSIENT_ERRORS as exc:
            if may_retry:
                _release(report_id, token, exc)
                raise
            _fail(report_id, token, _unexpected(exc))
        except Exception as exc:
            logger.exception("Report %s could not be rendered.", report_id)
            _fail(report_id, token, _unexpected(exc))
    return ReportStatus.FAILED


def _unexpected(exc) -> str:
    return _(
        "The report could not be rendered because of an unexpected error (%(error)s). "
        "Try again; if it fails again, tell the facilitator."
    ) % {"error": exc.__class__.__name__}


def _release(report_id, token, exc) -> None:
    """Back to pending after a transient error, for the task's retry (or the sweep)."""
    try:
        Report.objects.filter(pk=report_id, claim=token).update(
            status=ReportStatus.PENDING,
            claim=None,
            progress=0,
            error=_("Trying again after a temporary error (%(error)s).")
            % {"error": exc.__class__.__name__},
        )
    except DatabaseError:
        # The database itself is away: the stale render is taken over later (sweep).
        logger.warning("Report %s could not be put back to pending.", report_id, exc_info=True)
