"""Two people change the same corrective action, or the same KPI figure, at the same time:
the second change based on the same version is refused (a Conflict; 409 in the API), never
silently written over the first.

Each side runs in its own thread, so on its own PostgreSQL connection and transaction; every
wait is bounded. Needs DATABASE_URL on PostgreSQL (skips elsewhere, fails in CI).
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services as audit_services
from audits.models import CorrectiveAction
from csrplatform.errors import Conflict
from metrics import services as metric_services
from metrics.models import Observation
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_S = 10  # the longest any step may take before the test fails instead of hanging
BLOCKED_S = 0.5  # how long a second writer must stay blocked behind the first one's lock


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("set DATABASE_URL to a PostgreSQL database: row locks are what is tested")


def in_thread(work) -> dict:
    """Run `work()` on a thread of its own (its own database connection); the returned dict
    gets `result` or `error` when it ends, and `thread`."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    outcome["thread"] = threading.Thread(target=run, daemon=True)
    outcome["thread"].start()
    return outcome


def finished(*outcomes) -> list[dict]:
    for outcome in outcomes:
        outcome["thread"].join(WAIT_S)
        assert not outcome["thread"].is_alive(), "a concurrent save hung"
    return list(outcomes)


def race(*works) -> list[dict]:
    """Start every work at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(works), timeout=WAIT_S)

    def started(work):
        def run():
            barrier.wait()
            return work()

        return run

    return finished(*(in_thread(started(work)) for work in works))


def first_holds_the_lock_while_second_tries(first, second) -> tuple[dict, dict]:
    """`first` runs and stays uncommitted (its row lock held) while `second` starts: `second`
    must wait for the lock rather than read the row as it was; then `first` commits."""
    first_done, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            result = first()
            first_done.set()
            assert release.wait(WAIT_S)
        return result

    holder = in_thread(hold)
    assert first_done.wait(WAIT_S), holder.get("error")
    waiter = in_thread(second)
    waiter["thread"].join(BLOCKED_S)
    blocked = waiter["thread"].is_alive()
    release.set()
    finished(holder, waiter)
    assert blocked, "the second save did not wait for the first one's row lock"
    return holder, waiter


def one_wins(outcomes) -> tuple[dict, dict]:
    winners = [outcome for outcome in outcomes if "result" in outcome]
    losers = [outcome for outcome in outcomes if "error" in outcome]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    return winners[0], losers[0]


# --- corrective actions --------------------------------------------------------------------------


def report_progress(user, action_id, note, version):
    def work():
        action = CorrectiveAction.objects.get(pk=action_id)
        return audit_services.action_progress(
            actor=user, action=action, note=note, expected_version=version
        )

    return work


def test_two_progress_reports_from_the_same_version_one_is_refused(world, audits):
    supplier, facilitator = world.users["supplier"], world.users["facilitator"]
    action = audits.action_x
    assert action.version == 1
    # Given the supplier and the facilitator both opened the action at version 1,
    # when both save a progress report at the same moment,
    outcomes = race(
        report_progress(supplier, action.pk, "Supplier: pay run moved to the 5th", 1),
        report_progress(facilitator, action.pk, "Facilitator: payroll audit booked", 1),
    )
    # then one is saved and the other refused with a Conflict, not written over it.
    winner, loser = one_wins(outcomes)
    assert isinstance(loser["error"], audit_services.ActionEditConflict)
    assert isinstance(loser["error"], Conflict)
    action.refresh_from_db()
    assert action.progress_note == winner["result"].progress_note
    assert action.version == 2
    assert action.history.count() == 2  # created, then the one progress report


def test_a_progress_report_waits_for_the_lock_and_then_sees_the_newer_version(world, audits):
    supplier, facilitator = world.users["supplier"], world.users["facilitator"]
    action = audits.action_x
    holder, waiter = first_holds_the_lock_while_second_tries(
        report_progress(facilitator, action.pk, "First", 1),
        report_progress(supplier, action.pk, "Second, from the same version", 1),
    )
    assert "result" in holder, holder.get("error")
    assert isinstance(waiter.get("error"), audit_services.ActionEditConflict), waiter
    action.refresh_from_db()
    assert (action.progress_note, action.version) == ("First", 2)


def test_a_report_from_the_newer_version_is_saved(world, audits):
    supplier = world.users["supplier"]
    action = audits.action_x
    report_progress(supplier, action.pk, "First", 1)()
    second = report_progress(supplier, action.pk, "Second, having read the first", 2)()
    assert (second.progress_note, second.version) == ("Second, having read the first", 3)


def test_the_api_answers_409_to_the_second_of_two_concurrent_progress_reports(world, audits):
    action = audits.action_x
    url = f"/api/v1/corrective-actions/{action.pk}/progress/"
    shown = api_as(world.users["supplier"]).get(f"/api/v1/corrective-actions/{action.pk}/")
    version = shown.json()["version"]

    def post(user, note):
        return lambda: api_as(user).post(url, {"note": note, "version": version})

    outcomes = race(
        post(world.users["supplier"], "Supplier's report"),
        post(world.users["facilitator"], "Facilitator's report"),
    )
    statuses = sorted(outcome["result"].status_code for outcome in outcomes)
    assert statuses == [200, 409], [outcome["result"].content for outcome in outcomes]
    saved = next(o["result"] for o in outcomes if o["result"].status_code == 200).json()
    refused = next(o["result"] for o in outcomes if o["result"].status_code == 409).json()
    assert refused["code"] == "conflict"
    action.refresh_from_db()
    assert action.progress_note == saved["progress_note"]
    assert saved["version"] == action.version == version + 1


def test_the_action_page_sends_the_version_it_showed(world, audits, client):
    action = audits.action_x
    client.force_login(world.users["supplier"])
    page = client.get(action.get_absolute_url())
    assert b'name="version" value="1"' in page.content
    report_progress(world.users["facilitator"], action.pk, "Saved meanwhile", 1)()
    progress_url = reverse("audits:action_move", args=[action.pk, "progress"])
    stale = client.post(progress_url, {"note": "Stale", "version": "1"}, follow=True)
    assert "after you opened it" in stale.content.decode()
    action.refresh_from_db()
    assert action.progress_note == "Saved meanwhile"
    client.post(progress_url, {"note": "Read theirs first", "version": "2"})
    action.refresh_from_db()
    assert (action.progress_note, action.version) == ("Read theirs first", 3)


# --- KPI observations ----------------------------------------------------------------------------


@pytest.fixture
def figure(world, pilots):
    """A confirmed overtime figure of pilot X, entered by the facilitator."""
    facilitator = world.users["facilitator"]
    overtime = metric_services.indicator_save(
        actor=facilitator, name="Overtime", unit="hours a month", better="lower", rollup="mean"
    )
    metric_services.pilot_indicator_save(
        actor=facilitator, pilot=pilots.pilot_x, indicator=overtime
    )
    return metric_services.observation_save(
        actor=facilitator,
        indicator=overtime,
        supplier=world.supplier_x,
        pilot=pilots.pilot_x,
        value=Decimal("87.8"),
        kind="actual",
        source="audit",
        period_start=date(2008, 5, 1),
        period_end=date(2008, 5, 31),
    )


def correct_figure(user, observation_id, value, version):
    def work():
        observation = Observation.objects.get(pk=observation_id)
        return metric_services.observation_save(
            actor=user, observation=observation, value=Decimal(value), expected_version=version
        )

    return work


def test_two_corrections_of_a_figure_from_the_same_version_one_is_refused(world, figure):
    facilitator = world.users["facilitator"]
    assert figure.version == 1
    outcomes = race(
        correct_figure(facilitator, figure.pk, "88.5", 1),
        correct_figure(facilitator, figure.pk, "91", 1),
    )
    winner, loser = one_wins(outcomes)
    assert isinstance(loser["error"], metric_services.FigureEditConflict)
    figure.refresh_from_db()
    assert figure.value == winner["result"].value
    assert figure.version == 2


def test_a_correction_waits_for_the_lock_and_then_sees_the_newer_version(world, figure):
    facilitator = world.users["facilitator"]
    holder, waiter = first_holds_the_lock_while_second_tries(
        correct_figure(facilitator, figure.pk, "88.5", 1),
        correct_figure(facilitator, figure.pk, "91", 1),
    )
    assert "result" in holder, holder.get("error")
    assert isinstance(waiter.get("error"), metric_services.FigureEditConflict), waiter
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (Decimal("88.5"), 2)


def test_a_correction_without_a_version_is_checked_against_the_figure_it_read(world, figure):
    facilitator = world.users["facilitator"]
    read_before = Observation.objects.get(pk=figure.pk)  # version 1
    correct_figure(facilitator, figure.pk, "88.5", 1)()
    with pytest.raises(metric_services.FigureEditConflict):
        metric_services.observation_save(
            actor=facilitator, observation=read_before, value=Decimal("91")
        )
    figure.refresh_from_db()
    assert figure.value == Decimal("88.5")


def test_the_api_answers_409_to_the_second_of_two_concurrent_corrections(world, figure):
    url = f"/api/v1/observations/{figure.pk}/"
    facilitator = world.users["facilitator"]
    version = api_as(facilitator).get(url).json()["version"]

    def patch(value):
        return lambda: api_as(facilitator).patch(url, {"value": value, "version": version})

    outcomes = race(patch("88.5"), patch("91"))
    statuses = sorted(outcome["result"].status_code for outcome in outcomes)
    assert statuses == [200, 409], [outcome["result"].content for outcome in outcomes]
    saved = next(o["result"] for o in outcomes if o["result"].status_code == 200).json()
    refused = next(o["result"] for o in outcomes if o["result"].status_code == 409).json()
    assert refused["code"] == "conflict"
    figure.refresh_from_db()
    assert figure.value == Decimal(saved["value"])
    assert saved["version"] == figure.version == version + 1


def test_a_partner_cannot_confirm_a_figure_the_supplier_corrected_meanwhile(world, pilots):
    supplier, ngo = world.users["supplier"], world.users["ngo"]
    overtime = metric_services.indicator_save(
        actor=world.users["facilitator"], name="Overtime", unit="hours a month", better="lower"
    )
    own = metric_services.observation_save(
        actor=supplier,
        indicator=overtime,
        supplier=world.supplier_x,
        pilot=pilots.pilot_x,
        value=Decimal("80"),
        kind="actual",
        source="self_reported",
        period_start=date(2008, 6, 1),
        period_end=date(2008, 6, 30),
    )
    url = f"/api/v1/observations/{own.pk}/"
    seen = api_as(ngo).get(url).json()
    assert (seen["status"], seen["version"]) == ("submitted", 1)
    corrected = api_as(supplier).patch(url, {"value": "95", "version": 1})
    assert corrected.status_code == 200, corrected.content
    confirmed = api_as(ngo).post(url + "confirm/", {"version": seen["version"]})
    # The partner saw 80; what waits now is 95: confirming it unseen would be a lost update.
    assert confirmed.status_code == 409, confirmed.content
    own.refresh_from_db()
    assert (own.status, own.value) == ("submitted", Decimal("95"))


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api
