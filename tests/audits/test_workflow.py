"""Corrective actions from open to verified; overdue with a frozen clock; history kept."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audits import services
from audits.models import CorrectiveAction


def test_supplier_submits_and_customer_verifies(world, audits):
    supplier, customer = world.users["supplier"], world.users["customer_a"]
    action = services.action_progress(
        actor=supplier, action=audits.action_x, note="Approval delegated to the plant manager"
    )
    assert action.status == "in_progress"
    action = services.action_submit(actor=supplier, action=action, note="Done in March")
    assert action.status == "submitted"
    action = services.action_verify(actor=customer, action=action, note="Checked payroll")
    assert (action.status, action.verified_by, action.verification_note) == (
        "verified",
        customer,
        "Checked payroll",
    )


def test_rejection_goes_back_to_in_progress_with_its_reason(world, audits):
    supplier, customer = world.users["supplier"], world.users["customer_a"]
    action = services.action_submit(actor=supplier, action=audits.action_x, note="Done")
    with pytest.raises(ValidationError):
        services.action_reject(actor=customer, action=action, reason=" ")
    action = services.action_reject(
        actor=customer, action=action, reason="Payroll still shows 45-day delays"
    )
    assert action.status == "in_progress"
    assert action.verification_note == "Payroll still shows 45-day delays"
    action = services.action_submit(actor=supplier, action=action, note="Now paid monthly")
    assert action.status == "submitted"


@pytest.mark.parametrize("role", ["supplier"])
def test_a_supplier_cannot_verify_its_own_action(world, audits, role):
    action = services.action_submit(
        actor=world.users["supplier"], action=audits.action_x, note="Done"
    )
    with pytest.raises(PermissionDenied, match="own corrective action"):
        services.action_verify(actor=world.users[role], action=action)
    action.refresh_from_db()
    assert action.status == "submitted"


def test_an_action_never_submitted_cannot_be_verified(world, audits):
    with pytest.raises(services.ActionTransitionNotAllowed, match="Only a submitted action"):
        services.action_verify(actor=world.users["customer_a"], action=audits.action_x)
    assert CorrectiveAction.objects.get(pk=audits.action_x.pk).status == "open"


def test_another_customer_cannot_verify(world, audits):
    action = services.action_submit(
        actor=world.users["supplier"], action=audits.action_x, note="Done"
    )
    with pytest.raises(PermissionDenied):
        services.action_verify(actor=world.users["customer_b"], action=action)


def test_facilitator_may_verify(world, audits):
    action = services.action_submit(
        actor=world.users["supplier"], action=audits.action_x, note="Done"
    )
    action = services.action_verify(actor=world.users["facilitator"], action=action)
    assert action.status == "verified"


def test_overdue_is_derived_from_the_due_date(world, audits):
    action = audits.action_x
    due = action.due_date
    with time_machine.travel(due, tick=False):
        assert not action.overdue
        assert not CorrectiveAction.objects.overdue().filter(pk=action.pk).exists()
    with time_machine.travel(due + datetime.timedelta(days=1), tick=False):
        assert action.overdue
        assert CorrectiveAction.objects.overdue().filter(pk=action.pk).exists()
        action = services.action_submit(
            actor=world.users["supplier"], action=action, note="Late but done"
        )
        assert action.overdue  # the deadline passed, though the verifier now holds it
        action = services.action_verify(actor=world.users["customer_a"], action=action)
        assert not action.overdue


def test_every_change_is_kept_with_who_made_it(world, audits):
    supplier = world.users["supplier"]
    services.action_progress(actor=supplier, action=audits.action_x, note="Started")
    services.action_submit(actor=supplier, action=audits.action_x, note="Done")
    services.action_verify(actor=world.users["customer_a"], action=audits.action_x)
    history = list(
        audits.action_x.history.order_by("history_date").values_list(
            "status", "history_user__email"
        )
    )
    assert history == [
        ("open", "facilitator@example.org"),
        ("in_progress", "supplier@example.org"),
        ("submitted", "supplier@example.org"),
        ("verified", "customer-a@example.org"),
    ]
    # The finding's row and its clauses are both kept, with who recorded them.
    finding_history = audits.finding_x.history.order_by("history_date")
    assert {entry.history_user.email for entry in finding_history} == {"facilitator@example.org"}
    clause_ids = {link.clause_id for link in finding_history.last().clauses.all()}
    assert clause_ids == {audits.clause_hours.pk, audits.other_clause.pk}


def test_sharing_by_consent_and_withdrawal(world, audits):
    from audits.models import Audit

    customer_b = world.users["customer_b"]
    assert not Audit.objects.visible_to(customer_b).filter(pk=audits.audit_x.pk).exists()
    with pytest.raises(PermissionDenied):
        services.audit_share(
            actor=world.users["customer_a"], audit=audits.audit_x, customer=world.customer_b
        )
    share = services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    assert Audit.objects.visible_to(customer_b).filter(pk=audits.audit_x.pk).exists()
    assert CorrectiveAction.objects.visible_to(customer_b).filter(pk=audits.action_x.pk).exists()
    services.audit_share_withdraw(actor=world.users["supplier"], share=share)
    assert not Audit.objects.visible_to(customer_b).filter(pk=audits.audit_x.pk).exists()
    assert (
        not CorrectiveAction.objects.visible_to(customer_b).filter(pk=audits.action_x.pk).exists()
    )


def test_pilot_from_findings_links_both_ways(world, audits, pilots):
    pilot = services.pilot_from_findings(
        actor=world.users["facilitator"],
        findings=[audits.finding_x],
        programme=pilots.programme,
        title="Mentorship",
        pilot_type="mentorship",
        approach="integrate_auditing",
    )
    assert pilot.supplier == world.supplier_x
    assert list(pilot.findings.all()) == [audits.finding_x]
    assert list(audits.audit_x.pilots.all()) == [pilot]
    assert world.customer_a in [p.organisation for p in pilot.participants.all()]
    with pytest.raises(ValidationError, match="one supplier"):
        services.pilot_from_findings(
            actor=world.users["facilitator"],
            findings=[audits.finding_x, audits.finding_y],
            programme=pilots.programme,
            title="Two",
            pilot_type="other",
        )
