"""Answers 'pong': lets health checks and tests prove a worker consumes the queue."""

from celery import shared_task


@shared_task(name="csrplatform.tasks.ping")
def ping():
    return "pong"
