"""Audit pages per role: the list, detail, export and board follow the access policy and the
supplier's sharing choices; the supplier submits, the customer verifies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audits import services
from audits.models import CorrectiveAction

VISIBLE = {
    "facilitator": {"audit_x", "audit_y"},
    "customer_a": {"audit_x"},
    "customer_b": {"audit_y"},
    "supplier": {"audit_x"},
    "ngo": set(),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def export_ids(client):
    body = b"".join(client.get(reverse("audits:audit_export")).streaming_content)
    return {int(line.split(",")[0]) for line in body.decode("utf-8-sig").splitlines()[1:]}


def expected(audits, names):
    return {getattr(audits, name).pk for name in names}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_list_detail_export_and_board_per_role(world, audits, page_client, role):
    client = page_client(role)
    listed = {audit.pk for audit in client.get(reverse("audits:audit_list")).context["object_list"]}
    assert listed == expected(audits, VISIBLE[role])
    assert export_ids(client) == expected(audits, VISIBLE[role])
    for name in ("audit_x", "audit_y"):
        audit = getattr(audits, name)
        assert client.get(audit.get_absolute_url()).status_code == (
            200 if name in VISIBLE[role] else 404
        )
        action = audits.action_x if name == "audit_x" else audits.action_y
        assert client.get(action.get_absolute_url()).status_code == (
            200 if name in VISIBLE[role] else 404
        )
    on_board = {
        action.pk
        for _key, _label, _count, actions in client.get(reverse("audits:action_board")).context[
            "columns"
        ]
        for action in actions
    }
    assert on_board == {
        a.pk
        for name, a in (("audit_x", audits.action_x), ("audit_y", audits.action_y))
        if name in VISIBLE[role]
    }


def test_anonymous_goes_to_login(world, audits, client):
    for url in (
        reverse("audits:audit_list"),
        audits.audit_x.get_absolute_url(),
        reverse("audits:audit_export"),
        reverse("audits:action_board"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_sharing_and_withdrawal_through_pages_and_export(world, audits, page_client):
    from tests.factories import RelationshipFactory

    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x)
    supplier, customer_b = page_client("supplier"), None
    response = supplier.post(
        reverse("audits:audit_share", args=[audits.audit_x.pk]),
        {"customer": world.customer_b.pk},
        follow=True,
    )
    assert "can now see this audit" in response.content.decode()
    customer_b = page_client("customer_b")
    assert audits.audit_x.pk in export_ids(customer_b)
    assert customer_b.get(audits.audit_x.get_absolute_url()).status_code == 200
    share = audits.audit_x.shares.get()
    page_client("supplier").post(reverse("audits:audit_share_withdraw", args=[share.pk]))
    customer_b = page_client("customer_b")
    assert audits.audit_x.pk not in export_ids(customer_b)
    assert customer_b.get(audits.audit_x.get_absolute_url()).status_code == 404


def test_a_supplier_shares_only_with_its_own_customers(world, audits, page_client):
    # Customer B does not source from supplier X: not a choice, so nothing is shared.
    response = page_client("supplier").post(
        reverse("audits:audit_share", args=[audits.audit_x.pk]),
        {"customer": world.customer_b.pk},
        follow=True,
    )
    assert "Choose one of your customers" in response.content.decode()
    assert not audits.audit_x.shares.exists()


def test_supplier_submits_with_evidence_and_customer_verifies(
    world, audits, page_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("audits:action_move", args=[audits.action_x.pk, "submit"])
    page_client("supplier").post(
        url,
        {
            "note": "Overtime now approved at the plant",
            "evidence": SimpleUploadedFile("payroll.pdf", PDF),
        },
    )
    action = CorrectiveAction.objects.get(pk=audits.action_x.pk)
    assert action.status == "submitted"
    assert action.evidence.get().original_name == "payroll.pdf"

    customer = page_client("customer_a")
    inbox = customer.get(reverse("inbox")).content.decode()
    assert "Verify: Delegate overtime approval" in inbox
    page = customer.get(action.get_absolute_url())
    assert page.context["may_verify"]
    assert (
        customer.get(
            reverse("pilots:document_download", args=[action.evidence.get().pk])
        ).status_code
        == 200
    )
    customer.post(
        reverse("audits:action_move", args=[action.pk, "verify"]), {"note": "Seen the payroll"}
    )
    assert CorrectiveAction.objects.get(pk=action.pk).status == "verified"
    assert (
        page_client("customer_b")
        .get(reverse("pilots:document_download", args=[action.evidence.get().pk]))
        .status_code
        == 404
    )


def test_supplier_cannot_verify_on_the_page(world, audits, page_client):
    services.action_submit(actor=world.users["supplier"], action=audits.action_x, note="Done")
    client = page_client("supplier")
    assert not client.get(audits.action_x.get_absolute_url()).context["may_verify"]
    response = client.post(
        reverse("audits:action_move", args=[audits.action_x.pk, "verify"]),
        {"note": "self"},
        follow=True,
    )
    assert "cannot verify its own" in response.content.decode()
    assert CorrectiveAction.objects.get(pk=audits.action_x.pk).status == "submitted"


def test_board_counts(world, audits, page_client):
    import datetime

    import time_machine

    services.action_submit(actor=world.users["supplier"], action=audits.action_x, note="Done")
    with time_machine.travel(audits.action_y.due_date + datetime.timedelta(days=2), tick=False):
        columns = page_client("facilitator").get(reverse("audits:action_board")).context["columns"]
    counts = {key: count for key, _label, count, _actions in columns}
    # Action X waits for verification (though past due); action Y is overdue.
    assert counts == {"open": 0, "overdue": 1, "submitted": 1, "verified": 0}


def test_audit_detail_groups_findings_by_clause_and_severity(world, audits, page_client):
    response = page_client("facilitator").get(audits.audit_x.get_absolute_url())
    groups = response.context["groups"]
    assert [group["clause"] for group in groups] == [audits.clause_hours]
    assert [sev for _label, sev, _found in groups[0]["by_severity"]] == ["major"]
    html = response.content.decode()
    assert "sa8000 7" in html  # the same finding answers the other standard's clause too


def test_start_a_pilot_from_findings_on_the_page(world, audits, pilots, page_client):
    response = page_client("facilitator").post(
        reverse("audits:pilot_from_findings", args=[audits.audit_x.pk]),
        {
            "findings": [audits.finding_x.pk],
            "programme": pilots.programme.pk,
            "title": "Overtime approvals",
            "pilot_type": "mentorship",
            "approach": "integrate_auditing",
        },
    )
    pilot = audits.finding_x.pilots.get()
    assert response.url == pilot.get_absolute_url()
    pilot_page = page_client("facilitator").get(pilot.get_absolute_url()).content.decode()
    assert audits.audit_x.get_absolute_url() in pilot_page
    audit_page = page_client("facilitator").get(audits.audit_x.get_absolute_url())
    assert pilot.get_absolute_url() in audit_page.content.decode()


def test_invalid_filters_are_400(world, audits, page_client):
    response = page_client("facilitator").get(
        reverse("audits:audit_list"), {"date_from": "last year"}
    )
    assert response.status_code == 400
    assert "date_from" in response.context["filterset"].errors


def test_the_audit_page_shows_each_findings_history(world, audits, page_client):
    services.finding_save(
        actor=world.users["facilitator"],
        audit=audits.audit_x,
        finding=audits.finding_x,
        severity="critical",
        description="Overtime pay delayed by two months",
    )
    html = page_client("customer_a").get(audits.audit_x.get_absolute_url()).content.decode()
    assert "recorded changes" in html
    assert "Critical: Overtime pay delayed by two months" in html
    assert "Major: Overtime pay delayed" in html


def test_a_shared_audit_does_not_reveal_the_other_customer_or_its_pilots(
    world, audits, pilots, page_client, api_client
):
    from tests.factories import RelationshipFactory

    pilot = services.pilot_from_findings(
        actor=world.users["facilitator"],
        findings=[audits.finding_x],
        programme=pilots.programme,
        title="SECRET pilot title",
        pilot_type="mentorship",
    )
    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x)
    services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    client = page_client("customer_b")
    html = client.get(audits.audit_x.get_absolute_url()).content.decode()
    assert "SECRET pilot title" not in html
    assert pilot.get_absolute_url() not in html
    assert "Customer A" not in html
    assert "another customer" in html
    export = b"".join(client.get(reverse("audits:audit_export")).streaming_content).decode()
    assert "Customer A" not in export
    api = api_client("customer_b")
    audit = api.get(f"/api/v1/audits/{audits.audit_x.pk}/").json()
    assert audit["commissioned_by"] is None
    assert audit["commissioned_by_name"] is None
    actions = api.get("/api/v1/corrective-actions/").json()["results"]
    assert "Customer A" not in str(actions)
    # Customer A, who commissioned it, still sees its own name and the pilot it takes part in.
    own = page_client("customer_a").get(audits.audit_x.get_absolute_url()).content.decode()
    assert "Customer A" in own
    assert "SECRET pilot title" in own


def test_a_shared_action_does_not_name_who_verified_it_for_the_other_customer(
    world, audits, page_client, api_client
):
    """Customer A verifies supplier X's action; customer B, with whom supplier X shares the
    audit, sees that it was verified, not by whom."""
    from tests.factories import RelationshipFactory

    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x)
    services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    action = audits.action_x
    services.action_submit(actor=world.users["supplier"], action=action, note="Delegated")
    page = page_client("customer_b").get(reverse("audits:action_detail", args=[action.pk]))
    assert "Customer A" not in page.content.decode()
    assert "the customer that commissioned the audit" in page.content.decode()
    services.action_verify(actor=world.users["customer_a"], action=action, note="Checked")
    html = page_client("customer_b").get(reverse("audits:action_detail", args=[action.pk]))
    html = html.content.decode()
    for name in ("Customer A", "customer-a@example.org"):
        assert name not in html
    api = api_client("customer_b")
    body = api.get(f"/api/v1/corrective-actions/{action.pk}/").json()
    assert (body["status"], body["verified_by"]) == ("verified", None)
    history = api.get(f"/api/v1/corrective-actions/{action.pk}/history/").json()
    assert "customer-a@example.org" not in str(history)
    assert world.users["customer_a"].pk not in [
        change["new"] for record in history for change in record["changes"]
    ]
    # Customer A and the supplier see who verified it.
    mine = api_client("customer_a").get(f"/api/v1/corrective-actions/{action.pk}/").json()
    assert mine["verified_by"] == world.users["customer_a"].pk
    assert (
        "customer-a@example.org"
        in (
            page_client("supplier").get(reverse("audits:action_detail", args=[action.pk]))
        ).content.decode()
    )
