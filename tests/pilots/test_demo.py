"""The demo data: the five pilots of seeds/000, told as the report tells them, loaded twice."""

from datetime import date
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from csrplatform.accounts.models import User
from csrplatform.reviews.models import Review, ReviewEvent, ReviewKind, ReviewStatus
from pilots import demo
from pilots.models import (
    Activity,
    Deliverable,
    Document,
    Phase,
    Pilot,
    PilotParticipant,
    PilotStatusChange,
    Programme,
    ScopeChange,
)

COUNTED = (
    Programme,
    Pilot,
    PilotParticipant,
    PilotStatusChange,
    Phase,
    Deliverable,
    Activity,
    ScopeChange,
    Document,
    Review,
    ReviewEvent,
)


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return load()


def pilot(title):
    return Pilot.objects.get(title=title)


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def user(email):
    return User.objects.get(email=email)


def test_loading_again_creates_nothing(loaded):
    before = counts()
    # seeds/000's five pilots and the illustrative seeds/001 pilot
    assert before["Pilot"] == 5 + 1
    assert Pilot.objects.filter(programme__title=demo.PROGRAMME["title"]).count() == 5
    assert all(before.values())
    again = load()
    assert counts() == before
    assert "5 pilots (0 new)" in again
    assert "already there" in again
    assert "5 pilots (5 new)" in loaded


def test_the_programme_is_the_reports(loaded):
    programme = Programme.objects.get(title=demo.PROGRAMME["title"])
    assert programme.facilitator.name.startswith("BSR")
    assert {org.name.split(" ")[0] for org in programme.sponsors.all()} == {
        "FIAS",
        "EICC",
        "GeSI",
        "Shenzhen",
    }
    assert programme.expected_participation == {
        "customer": 4,
        "supplier": 4,
        "civil_society": 3,
        "government": 0,
        "industry_association": 1,
    }
    assert (programme.start_date, programme.end_date) == (date(2007, 6, 1), date(2008, 7, 1))


@pytest.mark.parametrize(
    ("title", "status", "achievement"),
    [
        (demo.MENTORSHIP, "in_progress", "partially_met"),
        (demo.HOTLINE, "discontinued", "not_met"),
        (demo.TRAINING, "in_progress", "partially_met"),
        (demo.EHS, "in_progress", "partially_met"),
        (demo.STRATEGY, "completed", "fully_met"),
    ],
)
def test_each_pilot_ends_as_the_report_says(loaded, title, status, achievement):
    found = pilot(title)
    assert (found.status, found.objectives_achievement) == (status, achievement)
    for field in ("context", "objectives", "outcomes", "objectives_achievement_why"):
        assert getattr(found, field), field
    # The recorded history leads, step by step, to the current status.
    history = list(found.status_changes.order_by("effective_on", "id"))
    assert history[0].from_status == ""
    assert history[-1].to_status == status
    assert all(a.to_status == b.from_status for a, b in pairwise(history))
    assert all(change.actor.email == "facilitator@example.org" for change in history)


def test_hotline_scope_changed_twice_and_it_ended_over_sampling(loaded):
    hotline = pilot(demo.HOTLINE)
    changes = {change.status: change for change in hotline.scope_changes.all()}
    assert len(changes) == 2
    assert "existing" in changes["accepted"].description
    assert "mental-health" in changes["declined"].description
    assert "feedback" in changes["declined"].reason
    discontinued = hotline.status_changes.get(to_status="discontinued")
    assert "sampling" in discontinued.reason
    assert discontinued.effective_on == date(2008, 7, 1)
    # The assessment never started: the supplier returned its agreement the day before.
    phase = hotline.phases.get()
    assert (phase.status, phase.actual_start, phase.planned_start) == (
        "planned",
        None,
        date(2008, 1, 11),
    )
    returned = Review.objects.for_subject(phase).get(status=ReviewStatus.RETURNED)
    assert returned.reviewer == hotline.supplier.organisation
    assert "sampling protocol" in returned.note


def test_training_records_the_declined_supplier_and_the_late_report(loaded):
    training = pilot(demo.TRAINING)
    declined = training.participants.get(invitation_status="declined")
    assert declined.organisation.name == "Supplier that declined the worker training pilot"
    assert "No clear benefits" in declined.decline_reason
    assert "work involved" in declined.decline_reason
    report = training.deliverables.get()
    assert report.is_late
    assert report.delivered_on == date(2008, 5, 1)
    assert [(phase.number, phase.status) for phase in training.phases.all()] == [
        (1, "completed"),
        (2, "planned"),
        (3, "planned"),
    ]
    # The NGO recorded its own agreement; phase 2 waits for everyone's.
    phase_1, phase_2, _phase_3 = training.phases.all()
    ngo_agreement = Review.objects.for_subject(phase_1).get(reviewer__name="Worker training NGO")
    assert ngo_agreement.decided_by.email == "ngo@example.org"
    assert set(Review.objects.for_subject(phase_2).values_list("status", flat=True)) == {
        ReviewStatus.PENDING
    }
    # The findings report, answered by the supplier.
    document = training.documents.get()
    assert document.content_type == "application/pdf"
    assert document.deliverable == report
    reply = Review.objects.for_subject(document).get(kind=ReviewKind.ASSESSMENT_REPLY)
    assert reply.status == ReviewStatus.APPROVED
    assert "Phase 2" in reply.note


def test_mentorship_agreements_are_the_partners_own(loaded):
    mentorship = pilot(demo.MENTORSHIP)
    phase = mentorship.phases.get()
    deciders = dict(
        Review.objects.for_subject(phase).values_list("reviewer__name", "decided_by__email")
    )
    assert deciders["Mentorship pilot supplier"] == "supplier@example.org"
    assert deciders["Customer A (ICT brand)"] == "customer-a@example.org"
    calls = mentorship.activities.get(kind="call")
    assert calls.person_days == 0.5  # 4 hours a week


def test_ehs_pilot_keeps_the_reports_dates(loaded):
    ehs = pilot(demo.EHS)
    assert ehs.activities.filter(kind="site_visit", date=date(2008, 3, 14)).exists()
    assert list(ehs.status_changes.values_list("to_status", flat=True)) == [
        "proposed",
        "scoping",
        "stalled",
        "scoping",
        "agreed",
        "in_progress",
    ]
    assert set(ehs.deliverables.values_list("kind", flat=True)) == {
        "site_visit_report",
        "proposal",
    }


def test_strategy_pilot_has_no_inviting_customer_and_all_phases_done(loaded):
    strategy = pilot(demo.STRATEGY)
    assert not strategy.participants.filter(role="inviting_customer").exists()
    assert set(strategy.phases.values_list("status", flat=True)) == {"completed"}


def visible(email):
    return set(Pilot.objects.visible_to(user(email)).values_list("title", flat=True))


def test_each_demo_user_sees_their_pilots(loaded):
    assert visible("facilitator@example.org") == {
        demo.MENTORSHIP,
        demo.HOTLINE,
        demo.TRAINING,
        demo.EHS,
        demo.STRATEGY,
    }
    assert visible("ngo@example.org") == {demo.TRAINING}
    assert visible("supplier@example.org") == {demo.MENTORSHIP}
    assert visible("customer-b@example.org") == {demo.HOTLINE}
    # Customer A invited the supplier that declined the training pilot; its part ended there,
    # so it is not a participant and does not see that pilot (of Customer C's supplier).
    assert visible("customer-a@example.org") == {demo.MENTORSHIP}
    assert not pilot(demo.TRAINING).participants.filter(organisation__name__startswith="Customer A")


def test_the_ehs_supplier_is_committed_as_section_iii_1_says(loaded):
    from suppliers.models import Supplier

    ehs = Supplier.objects.get(organisation__name="EHS committee pilot supplier")
    assert ehs.commitment_level == "committed"
    hotline = pilot(demo.HOTLINE).supplier
    assert hotline.commitment_level == "lacking"  # §III.1 "Lack of Supplier Commitment"


def test_the_training_scope_refinement_is_a_scope_change(loaded):
    training = pilot(demo.TRAINING)
    change = training.scope_changes.get()
    assert change.status == "accepted"
    assert change.proposed_by == training.supplier.organisation
    assert "existing" in change.description
    assert change.proposed_on == date(2007, 9, 15)


def test_the_discontinued_hotline_phase_is_not_late(loaded, client):
    hotline = pilot(demo.HOTLINE)
    phase = hotline.phases.get()
    assert phase.actual_start is None
    assert not phase.is_start_late()
    client.force_login(user("facilitator@example.org"))
    page = client.get(hotline.get_absolute_url()).content.decode()
    assert 'badge badge-danger">late' not in page.replace("\n", "")


def test_every_taking_part_supplier_and_ngo_has_a_login_printed_by_load_demo(loaded):
    from csrplatform.accounts.models import Membership

    taking_part = set(
        PilotParticipant.objects.exclude(invitation_status="declined")
        .filter(organisation__kind__in=("supplier", "civil_society"))
        .values_list("organisation_id", flat=True)
    ) | set(Pilot.objects.values_list("supplier__organisation_id", flat=True))
    with_login = set(
        Membership.objects.filter(role__in=("admin", "editor")).values_list(
            "organisation_id", flat=True
        )
    )
    assert taking_part <= with_login
    assert "demo-pass-2008" in loaded
    for email in ("supplier-training@example.org", "consultant-ehs@example.org"):
        assert email in loaded
        assert user(email).check_password("demo-pass-2008")
    # The training supplier answers the NGO's report itself.
    document = pilot(demo.TRAINING).documents.get()
    reply = Review.objects.for_subject(document).get(kind=ReviewKind.ASSESSMENT_REPLY)
    assert reply.decided_by.email == "supplier-training@example.org"


def test_history_carries_the_storys_dates_not_the_load_date(loaded):
    # Status changes, agreements and their events, uploads: all in 2007-2008.
    seed = PilotStatusChange.objects.filter(pilot__programme__title=demo.PROGRAMME["title"])
    assert set(seed.values_list("effective_on__year", flat=True)) <= {
        2007,
        2008,
    }
    assert set(Review.objects.values_list("requested_at__year", flat=True)) <= {2007, 2008}
    decided = Review.objects.exclude(decided_at=None).values_list("decided_at__year", flat=True)
    assert set(decided) <= {2007, 2008}
    assert set(ReviewEvent.objects.values_list("at__year", flat=True)) <= {2007, 2008}
    document = pilot(demo.TRAINING).documents.get()
    assert document.uploaded_at.date() == date(2008, 5, 1)
