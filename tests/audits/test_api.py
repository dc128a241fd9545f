"""The audits API: who sees which audit, finding and corrective action; sharing by consent;
the corrective-action moves and their refusals (403, 409, 400); filters; history; and the cost
of the lists."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits import services
from audits.models import Audit, AuditShare, CorrectiveAction, Standard
from csrplatform.accounts.models import Membership
from csrplatform.reviews.models import Review
from tests.factories import FacilityFactory, OrganisationFactory, RelationshipFactory

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Which side of the `audits` fixture each role sees: audit X (supplier X, commissioned by
# customer A) and audit Y (supplier Y, commissioned by customer B), with their findings and
# corrective actions.
VISIBLE = {
    "facilitator": {"x", "y"},
    "customer_a": {"x"},
    "customer_b": {"y"},
    "supplier": {"x"},
    "ngo": set(),
    "anonymous": set(),
}
ROLES = list(VISIBLE)
SIGNED_IN = [role for role in ROLES if role != "anonymous"]
# Endpoint → the `audits` fixture's attribute prefix.
ENDPOINTS = {"audits": "audit", "findings": "finding", "corrective-actions": "action"}


def record(audits, endpoint, side):
    return getattr(audits, f"{ENDPOINTS[endpoint]}_{side}")


def listed_ids(api, url):
    response = api.get(url)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def action_url(action, move=""):
    return f"/api/v1/corrective-actions/{action.pk}/" + (f"{move}/" if move else "")


def snapshot(action):
    """What a refused move must leave as it was: the action's row, its history, its reviews."""
    action = CorrectiveAction.objects.get(pk=action.pk)
    return (
        action.status,
        action.verification_note,
        action.verified_by_id,
        action.history.count(),
        list(Review.objects.for_subject(action).values_list("status", flat=True)),
    )


def submit(api_client, action, note="Approval delegated to the plant manager"):
    response = api_client("supplier").post(action_url(action, "submit"), {"note": note})
    assert response.status_code == 200, response.content
    return response


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_lists_show_only_what_the_role_may_see(audits, api_client, role, endpoint):
    response = api_client(role).get(f"/api/v1/{endpoint}/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    expected = {record(audits, endpoint, side).pk for side in VISIBLE[role]}
    assert {row["id"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["x", "y"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_details_are_404_outside_the_scope(audits, api_client, role, side, endpoint):
    obj = record(audits, endpoint, side)
    response = api_client(role).get(f"/api/v1/{endpoint}/{obj.pk}/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif side in VISIBLE[role]:
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", SIGNED_IN)
def test_everyone_reads_standards_and_clauses_and_facilitators_maintain_them(
    audits, api_client, role
):
    api = api_client(role)
    assert listed_ids(api, "/api/v1/standards/") == set(
        Standard.objects.values_list("pk", flat=True)
    )
    clauses = api.get(f"/api/v1/clauses/?standard={audits.standard.pk}").json()["results"]
    assert {(row["standard_code"], row["reference"]) for row in clauses} == {
        ("eicc", "A.3"),
        ("eicc", "C.1"),
    }
    created = api.post("/api/v1/standards/", {"code": "iso14001", "name": "ISO 14001"})
    renamed = api.patch(f"/api/v1/standards/{audits.standard.pk}/", {"name": "RBA Code"})
    if role == "facilitator":
        assert created.status_code == 201, created.content
        assert renamed.status_code == 200
        assert renamed.json()["name"] == "RBA Code"
    else:
        assert created.status_code == 403
        assert renamed.status_code == 404
        assert not Standard.objects.filter(code="iso14001").exists()


def test_facilitator_adds_clauses_and_duplicates_are_400(audits, api_client):
    api = api_client("facilitator")
    body = {"standard": audits.standard.pk, "reference": "B.2", "title": "Air emissions"}
    created = api.post("/api/v1/clauses/", body)
    assert created.status_code == 201, created.content
    assert created.json()["standard_code"] == "eicc"
    duplicate = api.post("/api/v1/clauses/", body)
    assert duplicate.status_code == 400
    same_code = api.post("/api/v1/standards/", {"code": "eicc", "name": "Again"})
    assert same_code.status_code == 400
    assert "code" in same_code.json()["errors"]


# --- recording audits, findings and actions ------------------------------------------------------


def test_facilitator_records_an_audit_and_others_may_not(world, audits, api_client):
    body = {
        "facility": world.facility_x.pk,
        "commissioned_by": world.customer_a.pk,
        "kind": "follow_up",
        "standard": audits.standard.pk,
        "start_date": "2008-05-12",
        "audit_firm": "Third party",
    }
    created = api_client("facilitator").post("/api/v1/audits/", body)
    assert created.status_code == 201, created.content
    assert created.json()["supplier_name"] == "Supplier X"
    assert created.json()["standard_code"] == "eicc"
    assert created.json()["finding_count"] == 0

    url = f"/api/v1/audits/{created.json()['id']}/"
    changed = api_client("facilitator").patch(
        url, {"summary": "Hours improved", "status": "closed"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["summary"], changed.json()["status"]) == ("Hours improved", "closed")

    assert api_client("customer_a").post("/api/v1/audits/", body).status_code == 403
    # Customer A sees the audit it commissioned, but changes nothing.
    assert api_client("customer_a").get(url).status_code == 200
    assert api_client("customer_a").patch(url, {"summary": "x"}).status_code == 404
    assert api_client("supplier").patch(url, {"summary": "x"}).status_code == 404


def test_the_service_refuses_a_non_customer_as_commissioner(world, audits, api_client):
    response = api_client("facilitator").post(
        "/api/v1/audits/",
        {
            "facility": world.facility_x.pk,
            "commissioned_by": world.ngo_org.pk,
            "kind": "initial",
            "standard": audits.standard.pk,
            "start_date": "2008-05-12",
        },
    )
    assert response.status_code == 400
    assert "commissioned_by" in response.json()["errors"]


def test_an_audit_stays_with_its_commissioning_customers_suppliers(world, audits, api_client):
    """Moved to supplier Y's facility, audit X would show customer A a supplier it may not see,
    and its findings and actions, while supplier Y itself answered 404: the service refuses."""
    api = api_client("facilitator")
    url = f"/api/v1/audits/{audits.audit_x.pk}/"
    body = {
        "facility": world.facility_y.pk,
        "commissioned_by": world.customer_a.pk,
        "kind": "initial",
        "standard": audits.standard.pk,
        "start_date": "2007-11-26",
    }
    for response in (
        api.patch(url, {"facility": world.facility_y.pk}),
        api.put(url, body),
        api.post("/api/v1/audits/", body),
        api.patch(f"/api/v1/audits/{audits.audit_y.pk}/", {"commissioned_by": world.customer_a.pk}),
    ):
        assert response.status_code == 400, response.content
        errors = response.json().get("errors", response.json())
        assert "does not supply" in str(errors["facility"])
    audits.audit_x.refresh_from_db()
    audits.audit_y.refresh_from_db()
    assert audits.audit_x.facility == world.facility_x
    assert audits.audit_y.commissioned_by == world.customer_b
    assert Audit.objects.count() == 2
    customer_a = api_client("customer_a")
    assert customer_a.get(f"/api/v1/audits/{audits.audit_y.pk}/").status_code == 404
    assert customer_a.get(f"/api/v1/findings/{audits.finding_y.pk}/").status_code == 404
    # Once customer A buys from supplier Y, it may commission audits there.
    RelationshipFactory(customer=world.customer_a, supplier=world.supplier_y)
    assert api.post("/api/v1/audits/", body).status_code == 201
    # Other changes of an audit do not need the move to be checked.
    assert api.patch(url, {"summary": "Reviewed"}).status_code == 200


def test_facilitator_records_a_finding_with_clauses_of_several_standards(audits, api_client):
    api = api_client("facilitator")
    body = {
        "audit": audits.audit_x.pk,
        "severity": "critical",
        "description": "Fire exits locked",
        "clauses": [audits.clause_ehs.pk, audits.other_clause.pk],
    }
    created = api.post("/api/v1/findings/", body)
    assert created.status_code == 201, created.content
    assert sorted(created.json()["clauses"]) == sorted(body["clauses"])
    assert {
        (row["standard_code"], row["reference"]) for row in created.json()["clause_details"]
    } == {("eicc", "C.1"), ("sa8000", "7")}
    assert api.get(f"/api/v1/audits/{audits.audit_x.pk}/").json()["finding_count"] == 2

    no_clause = api.post("/api/v1/findings/", body | {"clauses": []})
    assert no_clause.status_code == 400
    assert "clauses" in no_clause.json()["errors"]
    moved = api.patch(f"/api/v1/findings/{created.json()['id']}/", {"audit": audits.audit_y.pk})
    assert moved.status_code == 400
    assert api_client("customer_a").post("/api/v1/findings/", body).status_code == 403


def test_the_supplier_plans_a_corrective_action_and_a_customer_may_not(world, audits, api_client):
    body = {
        "finding": audits.finding_x.pk,
        "action": "Pay overtime monthly",
        "due_date": "2030-01-31",
        "owner": world.users["supplier"].pk,
    }
    created = api_client("supplier").post("/api/v1/corrective-actions/", body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "open"
    assert created.json()["owner_email"] == "supplier@example.org"
    assert created.json()["severity"] == "major"

    refused = api_client("customer_a").post("/api/v1/corrective-actions/", body)
    assert refused.status_code == 403
    # Finding Y is not among customer A's choices: as if it did not exist.
    hidden = api_client("customer_a").post(
        "/api/v1/corrective-actions/", body | {"finding": audits.finding_y.pk}
    )
    assert hidden.status_code == 400
    assert "finding" in hidden.json()["errors"]
    assert CorrectiveAction.objects.count() == 3


def test_corrective_actions_are_not_changed_or_deleted_outside_their_moves(audits, api_client):
    url = action_url(audits.action_x)
    api = api_client("facilitator")
    assert api.patch(url, {"status": "verified"}).status_code == 405
    assert api.delete(url).status_code == 405
    assert api.delete(f"/api/v1/audits/{audits.audit_x.pk}/").status_code == 405
    assert CorrectiveAction.objects.get(pk=audits.action_x.pk).status == "open"


# --- sharing by consent ------------------------------------------------------------------------


def test_the_supplier_shares_an_audit_and_withdraws_the_share(world, audits, api_client):
    # Supplier X starts supplying customer B, which still does not see X's audits.
    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x, tier=2)
    customer_b = api_client("customer_b")
    audit_url = f"/api/v1/audits/{audits.audit_x.pk}/"
    assert customer_b.get(audit_url).status_code == 404

    shared = api_client("supplier").post(f"{audit_url}share/", {"customer": world.customer_b.pk})
    assert shared.status_code == 200, shared.content
    assert (shared.json()["customer_name"], shared.json()["is_active"]) == ("Customer B", True)
    assert shared.json()["shared_by"] == "supplier@example.org"

    assert customer_b.get(audit_url).status_code == 200
    assert audits.audit_x.pk in listed_ids(customer_b, "/api/v1/audits/")
    assert audits.finding_x.pk in listed_ids(customer_b, "/api/v1/findings/")
    assert audits.action_x.pk in listed_ids(customer_b, "/api/v1/corrective-actions/")
    # Who sees the share: the supplier and customer B; customer A sees the audit, not whom
    # else it is shown to.
    shares_url = f"{audit_url}shares/"
    assert [row["customer"] for row in customer_b.get(shares_url).json()] == [world.customer_b.pk]
    assert len(api_client("supplier").get(shares_url).json()) == 1
    assert api_client("customer_a").get(shares_url).json() == []

    withdrawn = api_client("supplier").post(
        f"{audit_url}withdraw-share/", {"customer": world.customer_b.pk}
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["is_active"] is False
    assert customer_b.get(audit_url).status_code == 404
    assert customer_b.get(f"/api/v1/findings/{audits.finding_x.pk}/").status_code == 404
    assert customer_b.get(action_url(audits.action_x)).status_code == 404
    assert audits.action_x.pk not in listed_ids(customer_b, "/api/v1/corrective-actions/")
    # The consent's history stays with the supplier.
    [share] = api_client("supplier").get(shares_url).json()
    assert share["withdrawn_by"] == "supplier@example.org"
    again = api_client("supplier").post(
        f"{audit_url}withdraw-share/", {"customer": world.customer_b.pk}
    )
    assert again.status_code == 404


def test_a_customer_cannot_share_an_audit(world, audits, api_client):
    audit_url = f"/api/v1/audits/{audits.audit_x.pk}/"
    # Customer A sees audit X: the service refuses, saying why.
    seen = api_client("customer_a").post(f"{audit_url}share/", {"customer": world.customer_a.pk})
    assert seen.status_code == 403
    assert "supplier decides" in seen.json()["detail"]
    # Customer B does not see audit X at all.
    unseen = api_client("customer_b").post(f"{audit_url}share/", {"customer": world.customer_b.pk})
    assert unseen.status_code == 404
    assert not AuditShare.objects.exists()


def test_the_supplier_shares_only_with_its_own_customers(world, audits, api_client):
    # Customer B buys from supplier Y only; supplier X cannot even name it.
    response = api_client("supplier").post(
        f"/api/v1/audits/{audits.audit_x.pk}/share/", {"customer": world.customer_b.pk}
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not AuditShare.objects.exists()


# --- the corrective-action workflow ------------------------------------------------------------


def test_supplier_submits_and_the_customer_verifies(world, audits, api_client):
    action = audits.action_x
    # The supplier may not move its own deadline; the facilitator agrees new dates.
    moved = api_client("supplier").post(
        action_url(action, "progress"), {"note": "Later", "due_date": "2030-06-30"}
    )
    assert moved.status_code == 403
    assert "Only the facilitator changes the due date" in moved.json()["detail"]
    rescheduled = api_client("facilitator").post(
        action_url(action, "progress"), {"due_date": "2030-06-30"}
    )
    assert rescheduled.json()["due_date"] == "2030-06-30"
    progressed = api_client("supplier").post(
        action_url(action, "progress"), {"note": "Drafting the delegation"}
    )
    assert progressed.status_code == 200, progressed.content
    assert progressed.json()["status"] == "in_progress"
    submitted = submit(api_client, action)
    assert submitted.json()["status"] == "submitted"

    verified = api_client("customer_a").post(action_url(action, "verify"), {"note": "Checked"})
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    assert verified.json()["verified_by"] == world.users["customer_a"].pk
    assert verified.json()["verification_note"] == "Checked"
    assert verified.json()["overdue"] is False
    assert CorrectiveAction.objects.get(pk=action.pk).status == "verified"


def test_the_supplier_submits_evidence_as_multipart(audits, api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api_client("supplier").post(
        action_url(audits.action_x, "submit"),
        {
            "note": "Payroll of March attached",
            "evidence": SimpleUploadedFile("payroll.pdf", PDF_BYTES, "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    [evidence] = response.json()["evidence"]
    assert (evidence["original_name"], evidence["kind"]) == ("payroll.pdf", "evidence")
    # The verifier sees it with the action.
    detail = api_client("customer_a").get(action_url(audits.action_x)).json()
    assert [row["id"] for row in detail["evidence"]] == [evidence["id"]]


def test_evidence_does_not_name_an_uploader_the_caller_no_longer_sees(
    world, audits, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    submitted = api_client("supplier").post(
        action_url(audits.action_x, "submit"),
        {
            "note": "Payroll attached",
            "evidence": SimpleUploadedFile("payroll.pdf", PDF_BYTES, "application/pdf"),
        },
        format="multipart",
    )
    assert submitted.status_code == 200, submitted.content
    customer_a = api_client("customer_a")
    [evidence] = customer_a.get(action_url(audits.action_x)).json()["evidence"]
    assert evidence["uploaded_by"] == "supplier@example.org"
    # The person who uploaded it leaves the supplier; the customer no longer sees them.
    Membership.objects.filter(user=world.users["supplier"]).delete()
    listed = customer_a.get("/api/v1/corrective-actions/").json()["results"]
    [action] = [row for row in listed if row["id"] == audits.action_x.pk]
    detail = customer_a.get(action_url(audits.action_x)).json()
    for answer in (action, detail):
        [evidence] = answer["evidence"]
        assert evidence["uploaded_by"] is None
        assert evidence["uploaded_for"] == world.supplier_x.organisation_id


def test_the_supplier_cannot_verify_its_own_action(audits, api_client):
    submit(api_client, audits.action_x)
    before = snapshot(audits.action_x)
    response = api_client("supplier").post(action_url(audits.action_x, "verify"), {"note": "OK"})
    assert response.status_code == 403
    assert "own corrective action" in response.json()["detail"]
    assert snapshot(audits.action_x) == before


def test_an_action_never_submitted_cannot_be_verified(audits, api_client):
    before = snapshot(audits.action_x)
    response = api_client("customer_a").post(action_url(audits.action_x, "verify"), {})
    assert response.status_code == 409
    assert "Only a submitted action" in response.json()["detail"]
    assert snapshot(audits.action_x) == before


def test_a_rejection_needs_a_reason(audits, api_client):
    submit(api_client, audits.action_x)
    before = snapshot(audits.action_x)
    customer = api_client("customer_a")
    response = customer.post(action_url(audits.action_x, "reject"), {"reason": " "})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert snapshot(audits.action_x) == before

    rejected = customer.post(
        action_url(audits.action_x, "reject"), {"reason": "Payroll still shows delays"}
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "in_progress"
    assert rejected.json()["verification_note"] == "Payroll still shows delays"


def test_others_cannot_move_an_action(audits, api_client):
    submit(api_client, audits.action_x)
    before = snapshot(audits.action_x)
    # Customer B does not see action X: 404, whatever the move.
    for move in ("progress", "submit", "verify", "reject"):
        response = api_client("customer_b").post(
            action_url(audits.action_x, move), {"note": "x", "reason": "x"}
        )
        assert response.status_code == 404, move
    # Customer A sees it but does not do the supplier's work.
    refused = api_client("customer_a").post(
        action_url(audits.action_x, "progress"), {"note": "Looks slow"}
    )
    assert refused.status_code == 403
    assert snapshot(audits.action_x) == before


def test_submitting_a_verified_action_again_is_409(world, audits, api_client):
    submit(api_client, audits.action_x)
    api_client("customer_a").post(action_url(audits.action_x, "verify"), {})
    before = snapshot(audits.action_x)
    again = api_client("supplier").post(action_url(audits.action_x, "submit"), {"note": "Again"})
    assert again.status_code == 409
    progress = api_client("supplier").post(action_url(audits.action_x, "progress"), {"note": "x"})
    assert progress.status_code == 409
    assert snapshot(audits.action_x) == before


# --- filters -----------------------------------------------------------------------------------


def test_overdue_filter_follows_the_clock(world, audits, api_client):
    api = api_client("facilitator")
    due = audits.action_x.due_date
    both = {audits.action_x.pk, audits.action_y.pk}
    with time_machine.travel(due, tick=False):
        assert listed_ids(api, "/api/v1/corrective-actions/?overdue=true") == set()
        assert listed_ids(api, "/api/v1/corrective-actions/?overdue=false") == both
    with time_machine.travel(due + datetime.timedelta(days=1), tick=False):
        response = api.get("/api/v1/corrective-actions/?overdue=true")
        assert {row["id"] for row in response.json()["results"]} == both
        assert all(row["overdue"] for row in response.json()["results"])
        # A verified action is no longer overdue.
        services.action_submit(actor=world.users["supplier"], action=audits.action_x, note="Done")
        services.action_verify(actor=world.users["customer_a"], action=audits.action_x)
        assert listed_ids(api, "/api/v1/corrective-actions/?overdue=true") == {audits.action_y.pk}
        assert listed_ids(api, "/api/v1/corrective-actions/?overdue=false") == {audits.action_x.pk}


def test_corrective_actions_filter_by_status_and_severity(world, audits, api_client):
    services.action_submit(actor=world.users["supplier"], action=audits.action_x, note="Done")
    api = api_client("facilitator")
    url = "/api/v1/corrective-actions/"
    assert listed_ids(api, f"{url}?status=submitted") == {audits.action_x.pk}
    assert listed_ids(api, f"{url}?status=open") == {audits.action_y.pk}
    assert listed_ids(api, f"{url}?status=open&status=submitted") == {
        audits.action_x.pk,
        audits.action_y.pk,
    }
    assert listed_ids(api, f"{url}?severity=major") == {audits.action_x.pk}
    assert listed_ids(api, f"{url}?severity=minor&status=submitted") == set()
    assert listed_ids(api, f"{url}?clause={audits.clause_ehs.pk}") == {audits.action_y.pk}
    assert api.get(f"{url}?status=lost").status_code == 400


def test_customer_filter_covers_commissioned_and_shared_audits(world, audits, api_client):
    api = api_client("facilitator")
    customer_b = world.customer_b.pk
    assert listed_ids(api, f"/api/v1/audits/?customer={customer_b}") == {audits.audit_y.pk}
    assert listed_ids(api, f"/api/v1/corrective-actions/?customer={customer_b}") == {
        audits.action_y.pk
    }
    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x, tier=2)
    services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    assert listed_ids(api, f"/api/v1/audits/?customer={customer_b}") == {
        audits.audit_x.pk,
        audits.audit_y.pk,
    }
    assert listed_ids(api, f"/api/v1/corrective-actions/?customer={customer_b}") == {
        audits.action_x.pk,
        audits.action_y.pk,
    }


def test_findings_and_audits_filter(world, audits, api_client):
    api = api_client("facilitator")
    assert listed_ids(api, "/api/v1/findings/?severity=minor") == {audits.finding_y.pk}
    assert listed_ids(api, f"/api/v1/findings/?audit={audits.audit_x.pk}") == {audits.finding_x.pk}
    assert listed_ids(api, f"/api/v1/findings/?clause={audits.other_clause.pk}") == {
        audits.finding_x.pk
    }
    assert listed_ids(api, f"/api/v1/findings/?supplier={world.supplier_y.pk}") == {
        audits.finding_y.pk
    }
    assert listed_ids(api, f"/api/v1/audits/?supplier={world.supplier_x.pk}") == {audits.audit_x.pk}
    assert listed_ids(api, "/api/v1/audits/?date_from=2007-12-01") == set()
    assert listed_ids(api, "/api/v1/audits/?date_to=2007-12-01&kind=initial") == {
        audits.audit_x.pk,
        audits.audit_y.pk,
    }
    # Supplier Y is not among supplier X's choices.
    assert (
        api_client("supplier").get(f"/api/v1/audits/?supplier={world.supplier_y.pk}").status_code
        == 400
    )


# --- history -----------------------------------------------------------------------------------


def test_action_history_lists_each_change_with_its_user(world, audits, api_client):
    action = audits.action_x
    api_client("supplier").post(action_url(action, "progress"), {"note": "Started"})
    submit(api_client, action, note="Done in March")
    api_client("customer_a").post(action_url(action, "verify"), {"note": "Checked payroll"})

    history = api_client("customer_a").get(action_url(action, "history"))
    assert history.status_code == 200
    rows = history.json()
    assert [(row["change_type"], row["user"]) for row in rows] == [
        ("changed", "customer-a@example.org"),
        ("changed", "supplier@example.org"),
        ("changed", "supplier@example.org"),
        ("created", "facilitator@example.org"),
    ]
    verified = {change["field"]: change for change in rows[0]["changes"]}
    assert verified["status"] == {"field": "status", "old": "submitted", "new": "verified"}
    assert verified["verified_by"]["new"] == world.users["customer_a"].pk
    assert verified["verification_note"]["new"] == "Checked payroll"
    assert {change["field"] for change in rows[2]["changes"]} == {"status", "progress_note"}
    created = {change["field"]: change["new"] for change in rows[-1]["changes"]}
    assert created["action"] == "Delegate overtime approval to the factory"
    assert created["owner"] == world.users["supplier"].pk
    assert created["status"] == "open"
    assert api_client("customer_b").get(action_url(action, "history")).status_code == 404


def test_finding_history_includes_its_clauses(world, audits, api_client):
    url = f"/api/v1/findings/{audits.finding_x.pk}/"
    changed = api_client("facilitator").patch(
        url, {"severity": "critical", "clauses": [audits.clause_hours.pk]}
    )
    assert changed.status_code == 200, changed.content
    assert [row["reference"] for row in changed.json()["clause_details"]] == ["A.3"]

    rows = api_client("supplier").get(f"{url}history/").json()
    assert {row["user"] for row in rows} == {"facilitator@example.org"}
    changes = [{change["field"]: change for change in row["changes"]} for row in rows]
    # Newest first: the clauses, then the severity, then (at creation) the clauses and the row.
    assert changes[0]["clauses"]["old"] == sorted([audits.clause_hours.pk, audits.other_clause.pk])
    assert changes[0]["clauses"]["new"] == [audits.clause_hours.pk]
    assert changes[1]["severity"] == {"field": "severity", "old": "major", "new": "critical"}
    assert rows[-1]["change_type"] == "created"
    assert changes[-1]["description"]["new"] == "Overtime pay delayed"
    assert api_client("customer_b").get(f"{url}history/").status_code == 404


# --- query counts ------------------------------------------------------------------------------


def add_audits(world, audits, count, evidence=False):
    """`count` more audits at new suppliers, each with a finding and a corrective action
    (with a file of evidence if asked: set MEDIA_ROOT)."""
    facilitator = world.users["facilitator"]
    for number in range(count):
        customer = OrganisationFactory(kind="customer")
        facility = FacilityFactory()
        # A customer commissions audits of its own suppliers only.
        RelationshipFactory(customer=customer, supplier=facility.supplier)
        audit = services.audit_save(
            actor=facilitator,
            facility=facility,
            commissioned_by=customer,
            conducted_by=world.ngo_org if number % 2 else None,
            kind="follow_up",
            standard=audits.standard,
            start_date=datetime.date(2008, 1, 1) + datetime.timedelta(days=number),
        )
        finding = services.finding_save(
            actor=facilitator,
            audit=audit,
            severity="minor",
            description=f"Finding {number}",
            clauses=[audits.clause_hours, audits.other_clause],
        )
        action = services.action_create(
            actor=facilitator,
            finding=finding,
            action=f"Fix {number}",
            owner=facilitator,
            due_date=timezone.localdate() + datetime.timedelta(days=number),
        )
        if evidence:
            services.evidence_upload(
                actor=facilitator,
                action=action,
                upload=SimpleUploadedFile(f"evidence-{number}.pdf", PDF_BYTES, "application/pdf"),
            )


def count_queries(api, url):
    api.get(url)  # warm-up: per-process caches (content types, the user's actor)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize(
    ("url", "expected_queries"),
    [
        # No count (keyset pages). The rows (facility, supplier, organisations and standard
        # joined; findings counted in the same query) and which commissioning customers of
        # the page the caller may see.
        ("/api/v1/audits/", 2),
        # The rows (owner, finding, audit, supplier and the commissioning customer joined),
        # the evidence with its uploaders, and which of the page's commissioning customers
        # and people the caller may see.
        ("/api/v1/corrective-actions/", 4),
        # The rows (audit, supplier joined), the clauses, their standards.
        ("/api/v1/findings/", 3),
    ],
)
def test_list_queries_do_not_grow_with_rows(
    world, audits, api_client, url, expected_queries, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    api = api_client("facilitator")
    few, listed = count_queries(api, url)
    assert listed == 2
    # Evidence names its uploader and organisation: asked for the page, not per row.
    add_audits(world, audits, 6, evidence=True)
    many, listed = count_queries(api, url)
    assert listed == 8
    assert few == many == expected_queries


def test_a_customers_list_costs_the_same(world, audits, api_client):
    api = api_client("customer_a")
    few, _ = count_queries(api, "/api/v1/corrective-actions/")
    for number in range(5):
        services.action_create(
            actor=world.users["facilitator"],
            finding=audits.finding_x,
            action=f"Step {number}",
            due_date=timezone.localdate(),
        )
    many, listed = count_queries(api, "/api/v1/corrective-actions/")
    assert listed == 6
    assert few == many
