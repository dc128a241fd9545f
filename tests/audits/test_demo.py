"""The demo audits: Customer A's November 2007 audit and the EHS consultant's March 2008
evaluation (seeds/000 §IV.1 and §IV.4), loaded twice, linked to their pilots, scoped."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from audits import demo
from audits.models import Audit, Clause, CorrectiveAction, Finding, Standard
from csrplatform.accounts.models import User
from csrplatform.reviews.models import Review, ReviewEvent
from pilots.choices import PilotType
from pilots.models import Document, Pilot

COUNTED = (
    Standard,
    Clause,
    Audit,
    Finding,
    CorrectiveAction,
    Finding.history.model,
    CorrectiveAction.history.model,
    Review,
    ReviewEvent,
    Document,
)


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return load()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def user(email):
    return User.objects.get(email=email)


def mentorship_audit():
    return Audit.objects.get(facility__supplier__organisation__name="Mentorship pilot supplier")


def ehs_audit():
    return Audit.objects.get(facility__supplier__organisation__name="EHS committee pilot supplier")


def test_loading_again_creates_nothing(loaded):
    before = counts()
    assert before["Audit"] == 2
    assert all(before.values()), before
    again = load()
    assert counts() == before
    assert "Audits: 2 (2 new)" in loaded
    assert "Audits: 2 (0 new)" in again


def test_the_standards_cover_the_five_references(loaded):
    assert set(Standard.objects.values_list("code", flat=True)) >= {
        "eicc",
        "sa8000",
        "iso-14001",
        "ohsas-18001",
        "cn-labour-law",
    }
    eicc = Standard.objects.get(code="eicc")
    assert {"A.3", "A.4", "B.4", "C.3", "C.4", "E.2"} <= set(
        eicc.clauses.values_list("reference", flat=True)
    )
    assert Clause.objects.filter(standard__code="cn-labour-law", reference__contains="50").exists()


def test_the_mentorship_audit_is_the_reports(loaded):
    audit = mentorship_audit()
    assert audit.commissioned_by.name.startswith("Customer A")
    assert (audit.kind, audit.standard.code) == ("initial", "eicc")
    assert (audit.start_date, audit.end_date) == (date(2007, 11, 26), date(2007, 11, 27))
    assert "(dates estimated)" in audit.summary
    findings = list(audit.findings.prefetch_related("clauses__standard"))
    assert len(findings) == 5
    assert all(finding.clauses.exists() for finding in findings)
    assert any(
        len({clause.standard_id for clause in finding.clauses.all()}) >= 2 for finding in findings
    )
    wages = audit.findings.get(description__contains="Taiwan")
    assert wages.severity == "major"
    assert "abroad" in wages.root_cause
    assert {("eicc", "A.4"), ("sa8000", "8"), ("cn-labour-law", "Labour Law art. 50")} <= {
        (clause.standard.code, clause.reference) for clause in wages.clauses.all()
    }


def test_the_mentorship_actions_stand_as_in_may_2008(loaded):
    actions = CorrectiveAction.objects.filter(finding__audit=mentorship_audit())
    statuses = sorted(actions.values_list("status", flat=True))
    # The report gives what was done, not how or when the customer verified it: nothing is
    # recorded as verified, the done ones wait for Customer A.
    assert statuses == ["in_progress", "in_progress", "submitted", "submitted", "submitted"]
    supplier, customer = user("supplier@example.org"), user("customer-a@example.org")
    assert all(action.owner == supplier for action in actions)
    assert not actions.filter(verified_at__isnull=False).exists()
    assert not actions.exclude(verification_note="").exists()
    for action in actions.filter(status="submitted"):
        assert action.submitted_at.date() == demo.SUBMITTED_ON
        assert action.history.filter(status="submitted", history_user=supplier).exists()
        review = Review.objects.for_subject(action).pending().get()
        assert review.reviewer == customer.memberships.get().organisation
    ehs_system = actions.get(finding__description__contains="no environmental")
    assert "ISO 14001" in ehs_system.progress_note
    assert "work plan" in ehs_system.progress_note
    overtime = actions.get(finding__description__contains="Taiwan")
    assert "87.8" in overtime.progress_note
    # No invented evidence file on the mentorship actions.
    assert not Document.objects.filter(corrective_action__in=actions).exists()


def test_iso_14001_is_the_2004_edition_of_the_audits_time(loaded):
    iso = Standard.objects.get(code="iso-14001")
    assert iso.version == "2004"
    references = set(iso.clauses.values_list("reference", flat=True))
    assert {"4.1", "4.3.1", "4.4.6"} <= references
    assert not references & {"5.1", "6.1.2", "8.1", "10.2"}  # 2015 numbering
    assert all(reference.startswith("4.") for reference in references)
    assert Standard.objects.get(code="ohsas-18001").version == "2007"
    used = set(
        Clause.objects.filter(standard=iso, findings__isnull=False).values_list(
            "reference", flat=True
        )
    )
    assert used == {"4.1", "4.3.1", "4.4.6"}


def test_the_audit_and_its_activity_give_the_same_person_days(loaded):
    from pilots.models import Activity

    audit = mentorship_audit()
    activity = Activity.objects.get(
        pilot__pilot_type=PilotType.MENTORSHIP, title__contains="third-party audit"
    )
    assert audit.person_days == activity.person_days == 9  # §IV.1: onsite audits, 9 person days


def test_the_ehs_evaluation_is_the_reports(loaded):
    audit = ehs_audit()
    assert audit.commissioned_by is None
    assert audit.conducted_by.name == "EHS consultant"
    assert (audit.kind, audit.standard.code) == ("ngo_assessment", "ohsas-18001")
    assert audit.start_date == date(2008, 3, 14)
    assert audit.findings.count() == 5
    assert audit.findings.filter(severity="minor").get().description.startswith("Injury")
    assert all(finding.clauses.exists() for finding in audit.findings.all())
    statuses = set(
        CorrectiveAction.objects.filter(finding__audit=audit).values_list("status", flat=True)
    )
    assert statuses <= {"open", "in_progress"}


@pytest.mark.parametrize(
    ("audit", "pilot_type"),
    [(mentorship_audit, PilotType.MENTORSHIP), (ehs_audit, PilotType.EHS_COMMITTEE)],
)
def test_audits_and_findings_point_at_their_pilot(loaded, audit, pilot_type):
    audit = audit()
    pilot = Pilot.objects.get(pilot_type=pilot_type)
    assert list(audit.pilots.all()) == [pilot]
    assert list(pilot.audits.all()) == [audit]
    assert set(pilot.findings.all()) == set(audit.findings.all())


@pytest.mark.parametrize(
    ("email", "sees_mentorship", "sees_ehs"),
    [
        ("facilitator@example.org", True, True),
        ("customer-a@example.org", True, False),
        ("customer-b@example.org", False, False),
        ("supplier@example.org", True, False),
        ("ngo@example.org", False, False),
        ("supplier-ehs@example.org", False, True),
        ("consultant-ehs@example.org", False, True),
        ("supplier-training@example.org", False, False),
    ],
)
def test_who_sees_which_audit(loaded, email, sees_mentorship, sees_ehs):
    visible = set(Audit.objects.visible_to(user(email)))
    assert (mentorship_audit() in visible, ehs_audit() in visible) == (sees_mentorship, sees_ehs)
    findings = Finding.objects.visible_to(user(email))
    assert findings.filter(audit=mentorship_audit()).exists() == sees_mentorship
    assert findings.filter(audit=ehs_audit()).exists() == sees_ehs


def test_loading_without_the_pilots_still_records_the_audits(db, settings, tmp_path):
    from csrplatform.accounts import demo as accounts_demo
    from suppliers import demo as suppliers_demo

    settings.MEDIA_ROOT = tmp_path
    organisations = suppliers_demo.load()
    accounts_demo.load(organisations)
    assert demo.load(organisations) == [(spec["label"], True) for spec in demo.AUDITS]
    assert not Audit.objects.filter(pilots__isnull=False).exists()


def test_audit_history_carries_the_storys_dates(loaded):
    years = set(Finding.history.values_list("history_date__year", flat=True))
    years |= set(CorrectiveAction.history.values_list("history_date__year", flat=True))
    assert years <= {2007, 2008}
    submitted = CorrectiveAction.history.filter(status="submitted")
    assert {record.history_date.date() for record in submitted} == {demo.SUBMITTED_ON}
    assert set(ReviewEvent.objects.values_list("at__year", flat=True)) <= {2007, 2008}
