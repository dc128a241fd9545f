"""Background work of the metrics app: large imports of observations and cost items, and of
an audit's findings (the same job)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from . import imports
from .models import ImportJob

logger = logging.getLogger(__name__)


def _update(job_id, **fields):
    ImportJob.objects.filter(pk=job_id).update(**fields)


def start_import(*, actor, kind, filename: str, data: bytes, is_xlsx: bool, audit=None):
    """An import job for the file, run by a worker once the request's transaction commits."""
    job = ImportJob.objects.create(
        kind=kind,
        audit=audit,
        filename=filename[:255],
        file=ContentFile(data, name="import.xlsx" if is_xlsx else "import.csv"),
        created_by=actor,
    )
    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


def _steps(job):
    """How the job's kind of file is read, checked and written: (read, plan, write)."""
    actor = job.created_by
    if job.kind == ImportJob.Kind.FINDINGS:
        # Findings share the job and its page; imported here so that metrics needs audits
        # only when it runs one.
        from audits import imports as findings

        return (
            findings.table_of,
            lambda table, progress: findings.plan_import(
                audit=job.audit, table=table, progress=progress
            ),
            lambda plan: findings.write_plan(actor=actor, audit=job.audit, plan=plan).actions,
        )
    return (
        imports.read_table,
        lambda table, progress: imports.plan_import(
            actor=actor, kind=job.kind, table=table, progress=progress
        ),
        lambda plan: imports.write_plan(actor=actor, plan=plan),
    )


def import_job_run(job_id: int) -> str:
    """Check and write an uploaded file, recording progress on the job as it goes; the job
    ends done, refused (with its problems) or failed. The file is deleted at the end."""
    job = ImportJob.objects.select_related("created_by", "audit").get(pk=job_id)
    if job.finished:
        return job.status
    actor = job.created_by
    status = ImportJob.Status.FAILED
    with translation.override(getattr(actor, "language", "") or settings.LANGUAGE_CODE):
        try:
            _update(job_id, status=ImportJob.Status.CHECKING)
            with job.file.open("rb") as stream:
                data = stream.read()
            is_xlsx = data[:4] == b"PK\x03\x04"
            read, plan_rows, write = _steps(job)
            table = read(data, is_xlsx)
            total = len(table.rows)
            _update(job_id, rows_total=total)
            plan = plan_rows(table, lambda count: _update(job_id, rows_checked=count))
            _update(job_id, status=ImportJob.Status.SAVING, rows_checked=total)
            saved = write(plan)
            status = ImportJob.Status.DONE
            _update(job_id, status=status, rows_saved=saved, finished_at=timezone.now())
        except imports.ImportRefused as refused:
            status = ImportJob.Status.REFUSED
            _update(
                job_id,
                status=status,
                errors=[
                    [error.row, error.column, str(error.message)]
                    for error in refused.errors[: imports.MAX_ERRORS_KEPT]
                ],
                error_count=len(refused.errors),
                finished_at=timezone.now(),
            )
        except Exception:
            logger.exception("Import %s failed.", job_id)
            _update(job_id, status=status, finished_at=timezone.now())
        finally:
            job.file.delete(save=False)
            ImportJob.objects.filter(pk=job_id).update(file="")
    return status


@shared_task(name="metrics.tasks.run_import")
def run_import(job_id: int) -> str:
    return import_job_run(job_id)
