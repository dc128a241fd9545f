"""Recording audits, assessments and findings: the rule for an NGO's assessment (service) and
the pages (inline validation, dropdowns in scope, 404 for whoever may not record)."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audits import services
from audits.models import Audit, Finding
from csrplatform.accounts.models import Role
from tests.factories import OrganisationFactory, member

START = datetime.date(2008, 3, 14)


def assessment(world, audits, **overrides):
    fields = dict(
        facility=world.facility_x,
        kind="ngo_assessment",
        conducted_by=world.ngo_org,
        standard=audits.standard,
        start_date=START,
        summary="Baseline evaluation of worker training.",
    )
    return {**fields, **overrides}


# --- the rule: who records an NGO assessment ----------------------------------------------------


def test_an_ngo_records_its_assessment_of_a_pilot_it_takes_part_in(world, audits, pilots):
    ngo = world.users["ngo"]
    audit = services.audit_save(actor=ngo, pilot=pilots.pilot_x, **assessment(world, audits))
    assert list(audit.pilots.all()) == [pilots.pilot_x]
    assert Audit.objects.visible_to(ngo).filter(pk=audit.pk).exists()
    finding = services.finding_save(
        actor=ngo,
        audit=audit,
        severity="minor",
        description="Training records are incomplete.",
        clauses=[audits.clause_hours, audits.other_clause],
    )
    assert finding.audit == audit
    # It changes its own assessment, and only that.
    services.audit_save(actor=ngo, audit=audit, summary="Revised after review.")
    with pytest.raises(PermissionDenied):
        services.finding_save(
            actor=ngo, audit=audits.audit_x, severity="minor", description="x", clauses=[]
        )
    with pytest.raises(PermissionDenied):
        services.audit_save(actor=ngo, audit=audits.audit_x, summary="Not mine.")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (dict(kind="initial"), ValidationError),  # an NGO records an NGO assessment only
        (dict(commissioned_by="customer_a"), ValidationError),
        (dict(facility="facility_y"), ValidationError),  # not the pilot's supplier
        (dict(pilot="pilot_y"), PermissionDenied),  # a pilot it does not take part in
        (dict(pilot=None), PermissionDenied),
        (dict(conducted_by="customer_a"), PermissionDenied),  # for another organisation
    ],
)
def test_an_ngo_records_nothing_else(world, audits, pilots, change, error):
    objects = {
        "customer_a": world.customer_a,
        "facility_y": world.facility_y,
        "pilot_y": pilots.pilot_y,
        None: None,
    }
    pilot = objects[change.pop("pilot")] if "pilot" in change else pilots.pilot_x
    fields = assessment(world, audits, **{k: objects.get(v, v) for k, v in change.items()})
    with pytest.raises(error):
        services.audit_save(actor=world.users["ngo"], pilot=pilot, **fields)
    assert not Audit.objects.filter(start_date=START).exists()


def test_a_viewer_an_unaccepted_partner_and_a_customer_record_no_assessment(world, audits, pilots):
    from pilots.models import PilotParticipant

    viewer = member(world.ngo_org, Role.VIEWER, email="ngo-viewer@example.org")
    with pytest.raises(PermissionDenied):
        services.audit_save(actor=viewer, pilot=pilots.pilot_x, **assessment(world, audits))
    PilotParticipant.objects.filter(pilot=pilots.pilot_x, organisation=world.ngo_org).update(
        invitation_status="invited"
    )
    with pytest.raises(PermissionDenied):
        services.audit_save(
            actor=world.users["ngo"], pilot=pilots.pilot_x, **assessment(world, audits)
        )
    with pytest.raises(PermissionDenied):
        services.audit_save(
            actor=world.users["customer_a"],
            pilot=pilots.pilot_x,
            **assessment(world, audits, conducted_by=None, kind="initial"),
        )


def test_a_facilitator_links_an_audit_to_a_pilot_of_the_same_supplier(world, audits, pilots):
    facilitator = world.users["facilitator"]
    with pytest.raises(ValidationError):
        services.audit_save(actor=facilitator, pilot=pilots.pilot_y, **assessment(world, audits))
    audit = services.audit_save(
        actor=facilitator, pilot=pilots.pilot_x, **assessment(world, audits)
    )
    assert list(pilots.pilot_x.audits.all()) == [audit]


# --- the pages ------------------------------------------------------------------------------


def record_data(world, audits, **overrides):
    data = {
        "audit-facility": world.facility_x.pk,
        "audit-kind": "initial",
        "audit-standard": audits.standard.pk,
        "audit-commissioned_by": world.customer_a.pk,
        "audit-audit_firm": "Third party",
        "audit-start_date": "2008-04-01",
        "audit-end_date": "2008-04-02",
        "audit-person_days": "4",
        "audit-status": "reported",
        "audit-summary": "Follow-up audit.",
        "finding-1-severity": "major",
        "finding-1-clauses": [audits.clause_hours.pk, audits.other_clause.pk],
        "finding-1-description": "Overtime above the legal limit.",
        "finding-1-root_cause": "Orders peak in spring.",
        "finding-2-severity": "minor",
        "finding-2-clauses": [audits.clause_ehs.pk],
        "finding-2-description": "Chemical containers unlabelled.",
    }
    data.update(overrides)
    return data


def test_a_facilitator_records_an_audit_with_two_findings(world, audits, page_client):
    client = page_client("facilitator")
    listing = client.get(reverse("audits:audit_list")).content.decode()
    assert reverse("audits:audit_record") in listing
    page = client.get(reverse("audits:audit_record"))
    assert page.status_code == 200
    body = page.content.decode()
    assert '<optgroup label="EICC Code">' in body
    assert '<optgroup label="SA8000">' in body
    response = client.post(reverse("audits:audit_record"), record_data(world, audits))
    assert response.status_code == 302
    audit = Audit.objects.get(start_date=datetime.date(2008, 4, 1))
    assert response.url == audit.get_absolute_url()
    assert audit.commissioned_by == world.customer_a
    findings = list(audit.findings.order_by("pk"))
    assert [f.description for f in findings] == [
        "Overtime above the legal limit.",
        "Chemical containers unlabelled.",
    ]
    assert set(findings[0].clauses.all()) == {audits.clause_hours, audits.other_clause}
    detail = client.get(audit.get_absolute_url()).content.decode()
    assert "Overtime above the legal limit." in detail
    assert reverse("audits:finding_add", args=[audit.pk]) in detail


def test_errors_show_inline_and_nothing_is_saved(world, audits, page_client):
    client = page_client("facilitator")
    before = (Audit.objects.count(), Finding.objects.count())
    # A finding begun without clauses, and an end before the start.
    data = record_data(world, audits, **{"finding-2-clauses": []})
    data.pop("audit-facility")
    response = client.post(reverse("audits:audit_record"), data)
    assert response.status_code == 400
    forms = response.context["forms"]
    assert "facility" in forms[0].errors
    assert "clauses" in forms[2].errors
    assert (Audit.objects.count(), Finding.objects.count()) == before
    # htmx: only the touched fields' errors, out of band, nothing saved.
    response = client.post(
        reverse("audits:audit_record"),
        {"_validate": "1", "finding-1-description": "x", "finding-1-severity": ""},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'id="errors-finding-1-description" hx-swap-oob="true"' in body
    assert (Audit.objects.count(), Finding.objects.count()) == before


def test_a_finding_is_added_to_an_existing_audit(world, audits, page_client):
    client = page_client("facilitator")
    url = reverse("audits:finding_add", args=[audits.audit_x.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"finding-1-description": "No clause"})
    assert response.status_code == 400
    assert "clauses" in response.context["forms"][0].errors
    response = client.post(
        url,
        {
            "finding-1-severity": "critical",
            "finding-1-clauses": [audits.clause_ehs.pk, audits.other_clause.pk],
            "finding-1-description": "Blocked fire exit.",
            "finding-1-evidence": "Photo of the exit.",
        },
    )
    assert response.status_code == 302
    finding = audits.audit_x.findings.get(description="Blocked fire exit.")
    assert finding.severity == "critical"
    assert finding.history.first().history_user == world.users["facilitator"]


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_who_may_not_record_gets_404(world, audits, page_client, role):
    client = page_client(role)
    assert client.get(reverse("audits:audit_record")).status_code == 404
    assert client.post(reverse("audits:audit_record"), {}).status_code == 404
    url = reverse("audits:finding_add", args=[audits.audit_x.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"finding-1-description": "x"}).status_code == 404
    listing = client.get(reverse("audits:audit_list")).content.decode()
    assert reverse("audits:audit_record") not in listing


def test_an_ngo_records_its_assessment_through_the_page(world, audits, pilots, page_client):
    client = page_client("ngo")
    # A pilot it does not take part in is a 404, like a missing one.
    for other in (pilots.pilot_y.pk, 999999, "x"):
        url = reverse("audits:audit_record") + f"?pilot={other}"
        assert client.get(url).status_code == 404
    url = reverse("audits:audit_record") + f"?pilot={pilots.pilot_x.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["audit_form"]
    # Its dropdowns: its pilots, the pilot's supplier's facilities, its own organisation.
    assert list(form.fields["pilot"].queryset) == [pilots.pilot_x]
    assert list(form.fields["facility"].queryset) == [world.facility_x]
    assert list(form.fields["conducted_by"].queryset) == [world.ngo_org]
    assert "commissioned_by" not in form.fields
    assert [value for value, _label in form.fields["kind"].choices] == ["ngo_assessment"]
    response = client.post(
        url,
        {
            "audit-pilot": pilots.pilot_x.pk,
            "audit-facility": world.facility_x.pk,
            "audit-kind": "ngo_assessment",
            "audit-standard": audits.standard.pk,
            "audit-conducted_by": world.ngo_org.pk,
            "audit-start_date": "2008-03-14",
            "audit-status": "reported",
            "finding-1-severity": "major",
            "finding-1-clauses": [audits.clause_hours.pk],
            "finding-1-description": "Training is not understood.",
        },
    )
    assert response.status_code == 302
    audit = Audit.objects.get(conducted_by=world.ngo_org)
    assert (audit.kind, list(audit.pilots.all())) == ("ngo_assessment", [pilots.pilot_x])
    assert audit.findings.count() == 1
    # It adds findings to its own assessment, not to the customer's audit.
    assert client.get(reverse("audits:finding_add", args=[audit.pk])).status_code == 200
    assert client.get(reverse("audits:finding_add", args=[audits.audit_x.pk])).status_code == 404
    # A facility of another supplier, sent by hand, is refused inline.
    response = client.post(
        url,
        {
            "audit-pilot": pilots.pilot_x.pk,
            "audit-facility": world.facility_y.pk,
            "audit-kind": "ngo_assessment",
            "audit-standard": audits.standard.pk,
            "audit-conducted_by": world.ngo_org.pk,
            "audit-start_date": "2008-03-15",
            "audit-status": "reported",
        },
    )
    assert response.status_code == 400
    assert "facility" in response.context["forms"][0].errors


def test_an_ngo_outside_every_pilot_gets_404(world, audits, pilots, client):
    other_ngo = OrganisationFactory(name="Other NGO", kind="civil_society")
    client.force_login(member(other_ngo, Role.EDITOR, email="other-ngo@example.org"))
    assert client.get(reverse("audits:audit_record")).status_code == 404
    url = reverse("audits:audit_record") + f"?pilot={pilots.pilot_x.pk}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "offered"), [("facilitator", True), ("ngo", True), ("customer_a", False)]
)
def test_the_pilot_page_offers_to_record_an_assessment(world, pilots, page_client, role, offered):
    page = page_client(role).get(pilots.pilot_x.get_absolute_url()).content.decode()
    link = reverse("audits:audit_record") + f"?pilot={pilots.pilot_x.pk}"
    assert (link in page) == offered


def test_an_assessment_outside_the_ngos_pilots_stays_the_facilitators(
    world, audits, pilots, page_client
):
    # Recorded by the facilitator, conducted by the NGO, but of supplier Y's pilot, which the
    # NGO does not take part in: the NGO sees it, and does not change it.
    audit = services.audit_save(
        actor=world.users["facilitator"],
        pilot=pilots.pilot_y,
        **assessment(world, audits, facility=world.facility_y),
    )
    ngo = world.users["ngo"]
    assert Audit.objects.visible_to(ngo).filter(pk=audit.pk).exists()
    assert not Audit.objects.editable_by(ngo).filter(pk=audit.pk).exists()
    with pytest.raises(PermissionDenied):
        services.finding_save(
            actor=ngo,
            audit=audit,
            severity="minor",
            description="x",
            clauses=[audits.clause_ehs],
        )
    client = page_client("ngo")
    assert client.get(reverse("audits:finding_add", args=[audit.pk])).status_code == 404


def record_page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_record_pages_cost_the_same_for_few_and_many_facilities_and_clauses(
    world, audits, page_client
):
    import factory

    from tests.factories import FacilityFactory

    client = page_client("facilitator")
    record, add = (
        reverse("audits:audit_record"),
        reverse("audits:finding_add", args=[audits.audit_x.pk]),
    )
    few = (record_page_queries(client, record), record_page_queries(client, add))
    FacilityFactory.create_batch(
        25, supplier=world.supplier_x, name=factory.Sequence(lambda n: f"Extra plant {n}")
    )
    for number in range(30):
        services.clause_save(
            actor=world.users["facilitator"],
            standard=audits.standard,
            reference=f"Z.{number}",
            title=f"Clause {number}",
        )
    many = (record_page_queries(client, record), record_page_queries(client, add))
    # Facilities, pilots and customers are searched as the user types: the page lists none
    # of them; clauses: one query shared by the three finding forms.
    assert many == few
    html = client.get(record).content.decode()
    assert "Extra plant" not in html
    assert 'name="audit-facility" id="id_audit-facility" value=""' in html
    # The box finds them, a page of matches at a time.
    found = client.get(reverse("lookup", args=["record-facilities"]), {"term": "Extra"})
    assert found.content.decode().count("search-select-option") == 20


def test_the_record_page_searches_what_its_form_accepts(world, audits, pilots, page_client):
    """Each box of the record page offers exactly the choices its field validates against,
    shows the chosen one on a page re-rendered with errors, and a hidden id sent by hand is
    refused with the field's usual error."""
    from audits.forms import AuditRecordForm

    def offered(client, name, **params):
        response = client.get(reverse("lookup", args=[name]), params)
        assert response.status_code == 200
        return set(map(int, re.findall(r'data-value="(\d+)"', response.content.decode())))

    for role in ("facilitator", "ngo"):
        client = page_client(role)
        user = world.users[role]
        form = AuditRecordForm(user=user, prefix="audit")
        assert offered(client, "record-pilots") == {
            pilot.pk for pilot in form.fields["pilot"].queryset
        }
        assert offered(client, "record-facilities") == {
            facility.pk for facility in form.fields["facility"].queryset
        }
        if "commissioned_by" in form.fields:
            assert offered(client, "record-customers") == {
                org.pk for org in form.fields["commissioned_by"].queryset
            }
    # Opened from a pilot, the facility box searches that pilot's supplier only, as the form.
    ngo = page_client("ngo")
    url = reverse("audits:audit_record") + f"?pilot={pilots.pilot_x.pk}"
    assert offered(ngo, "record-facilities", pilot=pilots.pilot_x.pk) == {world.facility_x.pk}
    page = ngo.get(url).content.decode()
    assert f'hx-get="/lookup/record-facilities/?pilot={pilots.pilot_x.pk}"' in page
    # The page's pilot is the form's current value: its box names it.
    assert f'name="audit-pilot" id="id_audit-pilot" value="{pilots.pilot_x.pk}"' in page
    assert f'value="{escape(pilots.pilot_x.title)}"' in page
    lookup = reverse("lookup", args=["record-facilities"])
    assert ngo.get(lookup, {"pilot": pilots.pilot_y.pk}).status_code == 404
    assert offered(ngo, "record-facilities")  # its pilots' facilities, without a pilot
    assert world.facility_y.pk not in offered(ngo, "record-facilities")

    # Refused by hand, and re-rendered: the refused id is not shown, the chosen one is named.
    facilitator = page_client("facilitator")
    response = facilitator.post(
        reverse("audits:audit_record"),
        {
            "audit-facility": world.facility_x.pk,
            "audit-commissioned_by": 999999,
            "audit-kind": "follow_up",
            "audit-standard": audits.standard.pk,
            "audit-start_date": "",
            "audit-status": "reported",
        },
    )
    assert response.status_code == 400
    errors = response.context["forms"][0].errors
    assert "Select a valid choice" in str(errors["commissioned_by"])
    html = response.content.decode()
    label = f"{world.facility_x.supplier.organisation.name} — {world.facility_x.name}"
    assert f'value="{world.facility_x.pk}"' in html
    assert escape(label) in html
    assert 'name="audit-commissioned_by" id="id_audit-commissioned_by" value=""' in html
