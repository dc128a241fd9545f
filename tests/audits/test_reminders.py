"""Daily reminders about corrective actions due within a week or overdue; once a day each."""

import datetime
import smtplib

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.urls import reverse

from audits import services, tasks
from audits.models import CorrectiveAction, ReminderSent
from audits.tasks import action_reminders_send, send_action_reminders
from csrplatform.accounts.models import Role
from tests.factories import member

TODAY = datetime.date(2026, 3, 2)
MORNING = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)


def due_in(action, days):
    CorrectiveAction.objects.filter(pk=action.pk).update(
        due_date=TODAY + datetime.timedelta(days=days)
    )
    action.refresh_from_db()
    return action


@pytest.fixture
def audits_far_off(audits):
    """The fixture's two actions, both due well after the reminder window."""
    due_in(audits.action_x, 30)
    due_in(audits.action_y, 30)
    return audits


def test_an_action_due_in_3_days_is_mailed_to_its_owner(audits_far_off):
    action = due_in(audits_far_off.action_x, 3)
    with time_machine.travel(MORNING, tick=False):
        sent = action_reminders_send()

    assert sent == 1
    [message] = mail.outbox
    assert message.to == ["supplier@example.org"]
    assert "Delegate overtime approval to the factory" in message.subject
    assert "Overtime pay delayed" in message.body  # the finding
    assert "5 Mar 2026" in message.body  # the English DATE_FORMAT, as on the pages
    assert "in 3 days" in message.body
    assert "OVERDUE" not in message.body
    assert reverse("audits:action_detail", args=[action.pk]) in message.body
    reminder = ReminderSent.objects.get()
    assert (reminder.action, reminder.sent_on, reminder.recipients) == (
        action,
        TODAY,
        "supplier@example.org",
    )


def test_an_action_due_in_20_days_is_not_mailed(audits_far_off):
    due_in(audits_far_off.action_x, 20)
    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_an_overdue_action_is_mailed_and_says_it_is_overdue(audits_far_off):
    due_in(audits_far_off.action_x, -4)
    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 1
    [message] = mail.outbox
    assert message.subject.startswith("Overdue corrective action")
    assert "OVERDUE: it was due on 26 Feb 2026, 4 days ago." in message.body


def test_a_verified_action_is_not_mailed_but_a_submitted_one_is(world, audits_far_off):
    verified = due_in(audits_far_off.action_x, -4)
    services.action_submit(actor=world.users["supplier"], action=verified, note="Done")
    services.action_verify(actor=world.users["customer_a"], action=verified)
    submitted = services.action_create(
        actor=world.users["facilitator"],
        finding=audits_far_off.finding_x,
        action="Pay overtime with the monthly wage",
        owner=world.users["supplier"],
        due_date=TODAY + datetime.timedelta(days=1),
    )
    services.action_submit(actor=world.users["supplier"], action=submitted, note="Paid")

    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 1
    assert list(ReminderSent.objects.values_list("action", flat=True)) == [submitted.pk]


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(audits_far_off):
    due_in(audits_far_off.action_x, 3)
    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 1
        assert action_reminders_send() == 0
    assert len(mail.outbox) == 1

    with time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False):
        assert action_reminders_send() == 1
    assert len(mail.outbox) == 2
    assert "in 2 days" in mail.outbox[1].body
    assert sorted(ReminderSent.objects.values_list("sent_on", flat=True)) == [
        TODAY,
        TODAY + datetime.timedelta(days=1),
    ]


def test_the_day_is_taken_as_given(audits_far_off):
    due_in(audits_far_off.action_x, 10)
    assert action_reminders_send(today=TODAY) == 0
    assert action_reminders_send(today=TODAY + datetime.timedelta(days=3)) == 1


def test_without_an_owner_the_suppliers_admins_and_editors_are_mailed(world, audits_far_off):
    supplier_org = world.supplier_y.organisation
    member(supplier_org, Role.ADMIN, email="admin-y@example.org")
    member(supplier_org, Role.EDITOR, email="editor-y@example.org")
    member(supplier_org, Role.VIEWER, email="viewer-y@example.org")
    due_in(audits_far_off.action_y, 0)

    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 1
    [message] = mail.outbox
    assert message.to == ["admin-y@example.org", "editor-y@example.org"]
    assert "due today" in message.subject


def test_an_action_with_nobody_to_remind_is_tried_again_later(world, audits_far_off):
    due_in(audits_far_off.action_y, 2)  # supplier Y has no members yet
    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 0
        assert not ReminderSent.objects.exists()
        member(world.supplier_y.organisation, Role.EDITOR, email="editor-y@example.org")
        assert action_reminders_send() == 1


def test_a_failed_delivery_is_not_recorded_so_a_later_run_retries(audits_far_off, monkeypatch):
    due_in(audits_far_off.action_x, 1)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    with time_machine.travel(MORNING, tick=False):
        monkeypatch.setattr(tasks, "send_mail", refuse)  # the world outside fails
        assert action_reminders_send() == 0
        assert not ReminderSent.objects.exists()
        monkeypatch.undo()
        assert action_reminders_send() == 1
    assert len(mail.outbox) == 1


def test_the_celery_task_sends_the_reminders(audits_far_off):
    due_in(audits_far_off.action_x, -1)
    with time_machine.travel(MORNING, tick=False):
        # apply() runs the task here whatever the broker, so this holds in CI with Redis too.
        result = send_action_reminders.apply()
    assert result.successful()
    assert result.get() == 1
    assert len(mail.outbox) == 1


def test_beat_runs_the_task_every_morning():
    from csrplatform.celery import app

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "audits.tasks.send_action_reminders"
    ]
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert send_action_reminders.name in app.tasks


def test_the_reminder_links_to_the_action_on_the_sites_address(world, audits, settings):
    from django.core import mail

    from audits.tasks import action_reminders_send

    settings.SITE_URL = "https://csr.example.org/"
    with time_machine.travel(audits.action_x.due_date, tick=False):
        action_reminders_send()
    link = f"https://csr.example.org/audits/actions/{audits.action_x.pk}/"
    assert any(link in message.body for message in mail.outbox)


def test_each_recipient_is_mailed_in_their_own_language(world, audits_far_off):
    supplier_org = world.supplier_y.organisation
    member(supplier_org, Role.ADMIN, email="admin-y@example.org", language="zh-hans")
    member(supplier_org, Role.EDITOR, email="editor-y@example.org")
    due_in(audits_far_off.action_y, -4)

    with time_machine.travel(MORNING, tick=False):
        assert action_reminders_send() == 1

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    chinese = by_recipient[("admin-y@example.org",)]
    english = by_recipient[("editor-y@example.org",)]
    assert "2026年2月26日" in chinese.body  # the Chinese DATE_FORMAT
    assert "OVERDUE" not in chinese.body
    assert "OVERDUE: it was due on 26 Feb 2026, 4 days ago." in english.body
    reminder = ReminderSent.objects.get()
    assert reminder.recipients == "admin-y@example.org, editor-y@example.org"
