"""Daily e-mail reminders about corrective actions that are due soon or overdue."""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from csrplatform.accounts.models import Membership, Role
from csrplatform.text import shorten

from .choices import ActionStatus
from .models import CorrectiveAction, ReminderSent

logger = logging.getLogger(__name__)

REMINDER_WINDOW_DAYS = 7


def _supplier_editors(organisation_id, cache: dict) -> list[tuple[str, str]]:
    if organisation_id not in cache:
        cache[organisation_id] = sorted(
            Membership.objects.filter(
                organisation_id=organisation_id,
                role__in=(Role.ADMIN, Role.EDITOR),
                user__is_active=True,
            ).values_list("user__email", "user__language")
        )
    return cache[organisation_id]


def _recipients(action: CorrectiveAction, cache: dict) -> list[tuple[str, str]]:
    """(e-mail, language) of the action's owner; without one (or an inactive one), of whoever
    may write for the audited supplier."""
    if action.owner is not None and action.owner.is_active:
        return [(action.owner.email, action.owner.language)]
    return _supplier_editors(action.finding.audit.facility.supplier.organisation_id, cache)


def _by_language(recipients: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Recipients grouped by the language their e-mail is written in."""
    groups: dict[str, list[str]] = {}
    for email, language in recipients:
        groups.setdefault(language or settings.LANGUAGE_CODE, []).append(email)
    return groups


def _message(action: CorrectiveAction, today: date) -> tuple[str, str]:
    days = (action.due_date - today).days
    due = date_format(action.due_date)
    if days < 0:
        when = ngettext(
            "OVERDUE: it was due on %(due)s, %(days)d day ago.",
            "OVERDUE: it was due on %(due)s, %(days)d days ago.",
            -days,
        ) % {"due": due, "days": -days}
        subject = _("Overdue corrective action: %(action)s")
    elif days == 0:
        when = _("It is due today, %(due)s.") % {"due": due}
        subject = _("Corrective action due today: %(action)s")
    else:
        when = ngettext(
            "It is due on %(due)s, in %(days)d day.",
            "It is due on %(due)s, in %(days)d days.",
            days,
        ) % {"due": due, "days": days}
        subject = _("Corrective action due soon: %(action)s")
    finding = action.finding
    body = "\n".join(
        [
            _("Corrective action: %(action)s") % {"action": action.action},
            _("Finding: %(finding)s (%(severity)s)")
            % {"finding": finding.description, "severity": finding.get_severity_display()},
            _("Audit: %(audit)s") % {"audit": finding.audit},
            _("Status: %(status)s") % {"status": action.get_status_display()},
            "",
            when,
            "",
            _("Open the action: %(path)s")
            % {
                "path": settings.SITE_URL.rstrip("/")
                + reverse("audits:action_detail", args=[action.pk])
            },
        ]
    )
    return subject % {"action": shorten(action.action, 60)}, body


def action_reminders_send(today: date | None = None) -> int:
    """E-mail the owner of every unverified action due within 7 days or overdue, once a day;
    returns how many e-mails were sent."""
    today = today or timezone.localdate()
    actions = (
        CorrectiveAction.objects.exclude(status=ActionStatus.VERIFIED)
        .filter(due_date__lte=today + timedelta(days=REMINDER_WINDOW_DAYS))
        .exclude(reminders__sent_on=today)
        .select_related("owner", "finding__audit__facility__supplier__organisation")
        .order_by("due_date", "pk")
    )
    sent, editors = 0, {}
    for action in actions:
        recipients = _recipients(action, editors)
        if not recipients:
            logger.warning("Corrective action %s has nobody to remind.", action.pk)
            continue
        try:
            # The row is the promise not to send again today; it is written before the mail
            # and rolled back with it if sending fails, so tomorrow's run (or a retry) tries
            # again. A second run the same day, even a concurrent one, hits the unique
            # constraint and sends nothing.
            with transaction.atomic():
                ReminderSent.objects.create(
                    action=action,
                    sent_on=today,
                    recipients=", ".join(email for email, _language in recipients),
                )
                # One e-mail per language, each written in its recipients' language.
                for language, emails in _by_language(recipients).items():
                    with translation.override(language):
                        subject, body = _message(action, today)
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
        except IntegrityError:
            continue
        except OSError:
            logger.exception("Reminder about corrective action %s could not be sent.", action.pk)
            continue
        sent += 1
    return sent


@shared_task(name="audits.tasks.send_action_reminders")
def send_action_reminders() -> int:
    """Celery beat runs this every morning (CELERY_BEAT_SCHEDULE)."""
    return action_reminders_send()
