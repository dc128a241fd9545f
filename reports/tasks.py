"""The render task and the sweep that Celery beat runs every minute."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name="reports.tasks.render_report",
    bind=True,
    # A worker killed mid-render leaves the message unacknowledged; the sweep sends the row
    # again once REPORT_STALE_AFTER has passed, and another worker takes it over
    # (`services._claim`): a render that finishes without the claim keeps nothing.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=settings.REPORT_MAX_RETRIES,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    # The row is the result; nothing is stored in the result backend.
    ignore_result=True,
)
def render_report(self, report_id: int) -> str:
    # Run eagerly (the embedded mode), a retry would only repeat at once: the failure is
    # recorded instead, and the requester retries.
    may_retry = not self.request.is_eager and self.request.retries < self.max_retries
    return services.report_render(
        report_id, may_retry=may_retry, worker=self.request.hostname or ""
    )


@shared_task(name="reports.tasks.sweep_reports", ignore_result=True)
def sweep_reports() -> int:
    """Sends again the reports no worker has (CELERY_BEAT_SCHEDULE, every minute)."""
    return services.reports_sweep()
