"""General probes of the access policy through the whole API, for every role.

For every endpoint the routers register and every role: each id an answer names (an
organisation, supplier, facility, pilot, audit, document...) is one the caller may see, as
`access.scope` decides; and a detail URL answers a hidden object exactly as it answers an id
that does not exist (same status, same body), so ids teach nothing.

The story below is built so that every kind of cross-tenant reference is there to be leaked: an
activity with an organisation of another pilot, an audit shared with a second customer, an NGO's
assessment, a document whose first version is for the facilitator only, a declined invitation,
a sponsor of the programme, evidence on a corrective action.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits import services as audit_services
from audits.api.urls import router as audits_router
from audits.models import Audit, Clause, Finding, Standard
from csrplatform import access
from csrplatform.accounts.models import User
from metrics.api.urls import router as metrics_router
from metrics.models import (
    Benefit,
    CostItem,
    Currency,
    Indicator,
    Observation,
    PilotIndicator,
    ProgressReport,
    ResultIndicator,
    ResultItem,
)
from pilots import services as pilot_services
from pilots.api.urls import router as pilots_router
from pilots.models import (
    Activity,
    BudgetLine,
    Deliverable,
    Document,
    Phase,
    Pilot,
    PilotParticipant,
    Programme,
)
from reports import services as report_services
from reports.api.urls import router as reports_router
from suppliers.api.urls import router as suppliers_router
from suppliers.models import Cluster, Facility, Organisation, Supplier
from tests.factories import (
    FacilityFactory,
    OrganisationFactory,
    RelationshipFactory,
    SupplierFactory,
)
from tests.metrics.conftest import figures  # noqa: F401 -- the fixture, for the story
from tests.metrics.test_results import build_framework

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo")
DETAILS_PER_ENDPOINT = 3
ENDPOINTS = [
    (prefix, viewset)
    for router in (suppliers_router, pilots_router, audits_router, metrics_router, reports_router)
    for prefix, viewset, _basename in router.registry
]

# What the id under each key of an answer names. A key holding a number that is in neither
# this map nor NOT_IDS fails the probe: a new field must say what it is.
KEY_MODELS = {
    **dict.fromkeys(
        (
            "organisation",
            "customer",
            "commissioned_by",
            "conducted_by",
            "facilitator",
            "sponsors",
            "participants",  # an activity's organisations (a pilot's are objects, below)
            "responsible",
            "proposed_by",
            "uploaded_for",
            "reviewer",
            "borne_by",
            "entered_for",
            "donor",
        ),
        Organisation,
    ),
    "supplier": Supplier,
    "suppliers": Supplier,
    "facility": Facility,
    "clusters": Cluster,
    "programme": Programme,
    "pilot": Pilot,
    "pilots": Pilot,
    "phase": Phase,
    "deliverable": Deliverable,
    "root": Document,
    "audit": Audit,
    "finding": Finding,
    "standard": Standard,
    "clauses": Clause,
    "owner": User,
    "verified_by": User,
    "indicator": Indicator,
    "numerator": Indicator,
    "denominator": Indicator,
    "tracked": PilotIndicator,
    "observation": Observation,
    "parent": ResultItem,
    "result_item": ResultItem,
    "result_indicator": ResultIndicator,
    "progress_report": ProgressReport,
    "budget_line": BudgetLine,
    "activity": Activity,
}
# Lists of objects nested in an answer: the model their `id` names.
NESTED_MODELS = {
    "participants": PilotParticipant,
    "evidence": Document,
    "clause_details": Clause,
    "quantity_parts": None,  # count and unit, no ids
    # the computed figures (metrics/api): lines name their rows, tables their keys
    "hard": CostItem,
    "soft": CostItem,
    "left_out": CostItem,
    "expected_benefits": Benefit,
    "received_benefits": Benefit,
    "organisations": Organisation,
    "kpis": None,
    "rows": None,
    "totals_by_currency": None,
    "rates_used": None,
    "stakeholder_participation": None,
    "by_pilot": None,
    "by_approach": None,
    "actuals": None,
    "breakdowns": Observation,
    "reports": ProgressReport,  # the share of results indicators met per progress report
    "ratings": None,
}
# Numbers that are not ids.
NOT_IDS = {
    "version",
    "size",
    "number",
    "tier",
    "workers",
    "workers_headcount",
    "phase_count",
    "pilot_count",
    "finding_count",
    "late_deliverable_count",
    "per",
    "items",
    "left_out_count",
    "suppliers",
    "expected",
    "count",
    "supplier_count",
    "order",  # results framework: an indicator's place, and counts per progress report
    "indicators_judged",
    "indicators_met",
    "total",  # people reached: counts by sex
    "women",
    "men",
    "other",
    "unrecorded",
    "progress",  # reports: percent done, and how many renders were tried
    "attempts",
    "headcount",  # a pilot site's workers
}


def named_ids(data, model, path="") -> list[tuple[str, type, int]]:
    """(where, model, id) for every id in an answer about `model` rows."""
    found = []
    if isinstance(data, list):
        for index, item in enumerate(data):
            found += named_ids(item, model, f"{path}[{index}]")
        return found
    if not isinstance(data, dict):
        return found
    for key, value in data.items():
        where = f"{path}.{key}"
        if key == "id":
            found.append((where, model, value))
        elif isinstance(value, dict):
            found += named_ids(value, None, where)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            assert key in NESTED_MODELS, f"{where}: say which model these objects are"
            found += named_ids(value, NESTED_MODELS[key], where)
        elif key in KEY_MODELS:
            values = value if isinstance(value, list) else [value]
            found += [(where, KEY_MODELS[key], pk) for pk in values if pk is not None]
        elif isinstance(value, int) and not isinstance(value, bool):
            assert key in NOT_IDS, f"{where}: is {value} an id? Add the key to KEY_MODELS"
        elif isinstance(value, list) and any(isinstance(v, int) for v in value):
            raise AssertionError(f"{where}: say which model these ids name (KEY_MODELS)")
    return found


def visible(user, model) -> set:
    return set(access.scope(user, model._default_manager.all()).values_list("pk", flat=True))


def hidden_names(user, body, model, url, cache) -> list[str]:
    """What `body` names that `user` may not see."""
    leaks = []
    for where, named_model, pk in named_ids(body, model):
        if named_model is None:
            continue
        if named_model not in cache:
            cache[named_model] = visible(user, named_model)
        if pk not in cache[named_model]:
            leaks.append(f"{url} {where} = {named_model.__name__} {pk}")
    return leaks


def pdf(name, extra=b""):
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


@pytest.fixture
def story(world, pilots, audits, figures, settings, tmp_path):  # noqa: F811
    """The `pilots` and `audits` fixtures, and every kind of cross-tenant reference."""
    settings.MEDIA_ROOT = tmp_path
    facilitator = world.users["facilitator"]
    pilot_x = pilots.pilot_x
    # A sponsor of the programme; an invitation declined by a peer supplier.
    pilots.programme.sponsors.add(OrganisationFactory(name="Sponsor", kind="customer"))
    peer = SupplierFactory(organisation__name="Peer supplier").organisation
    declined = pilot_services.participant_invite(
        actor=facilitator, pilot=pilot_x, organisation=peer, role="consultant"
    )
    pilot_services.participant_respond(
        actor=facilitator, participant=declined, accept=False, reason="No time"
    )
    # An activity where supplier Y (of another pilot) was present too.
    visit = pilot_services.activity_save(
        actor=facilitator,
        pilot=pilot_x,
        kind="peer_visit",
        date=datetime.date(2008, 3, 15),
        title="Visit to a peer company",
        participants=[
            world.supplier_x.organisation,
            world.customer_a,
            world.supplier_y.organisation,
        ],
    )
    pilot_services.deliverable_save(
        actor=facilitator, pilot=pilot_x, title="Assessment", responsible=world.ngo_org
    )
    # A donor's funding, a budget line with spending in another currency, and people reached
    # by the programme and at pilot X's peer visit.
    programme = pilots.programme
    pilot_services.funding_save(
        actor=facilitator,
        programme=programme,
        donor=OrganisationFactory(name="Donor", kind="donor"),
        amount=100000,
        currency=Currency.objects.get(code="USD"),
        on_date=datetime.date(2008, 1, 1),
    )
    line = pilot_services.budget_line_save(
        actor=facilitator,
        programme=programme,
        category="Training",
        country="CN",
        amount=500000,
        currency=Currency.objects.get(code="CNY"),
        on_date=datetime.date(2008, 1, 1),
    )
    pilot_services.spending_save(
        actor=facilitator,
        programme=programme,
        budget_line=line,
        amount=20000,
        currency=Currency.objects.get(code="HKD"),
        on_date=datetime.date(2008, 3, 1),
    )
    pilot_services.people_reached_save(
        actor=facilitator, programme=programme, what="interviewed", total=151, women=69
    )
    pilot_services.people_reached_save(
        actor=facilitator,
        programme=programme,
        activity=visit,
        what="trained",
        total=20,
        women=12,
        men=8,
    )
    pilot_services.scope_change_save(
        actor=facilitator,
        pilot=pilot_x,
        proposed_on=datetime.date(2008, 2, 1),
        proposed_by=world.customer_a,
        description="Add the dormitory",
    )
    # Pilot X also covers another supplier's plant, and compares itself with a third's.
    for name, role in (("Site supplier", "participant"), ("Comparison supplier", "comparison")):
        plant = FacilityFactory(supplier=SupplierFactory(organisation__name=name), name=name)
        pilot_services.site_save(
            actor=facilitator,
            pilot=pilot_x,
            supplier=plant.supplier,
            facility=plant,
            role=role,
            headcount=250,
        )
    pilot_services.phase_request_agreement(actor=facilitator, phase=pilots.phase_x1)
    pilot_services.comment_add(actor=world.users["ngo"], pilot=pilot_x, body="Going well")
    # A document whose first version only the facilitator sees.
    draft = pilot_services.document_upload(
        actor=facilitator,
        pilot=pilot_x,
        upload=pdf("draft.pdf"),
        visibility="facilitator_only",
    )
    pilot_services.document_upload(
        actor=facilitator, pilot=pilot_x, upload=pdf("final.pdf", b"%final\n"), replaces=draft
    )
    pilot_services.document_upload(
        actor=world.users["ngo"],
        pilot=pilot_x,
        kind="assessment_report",
        upload=pdf("assessment.pdf", b"%ngo\n"),
    )
    # Audit X shared with customer B, which starts buying from supplier X too.
    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x, tier=2)
    audit_services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    # Evidence on the corrective action, verified by customer A (whom customer B may not see).
    audit_services.action_submit(
        actor=world.users["supplier"],
        action=audits.action_x,
        note="Done",
        evidence=pdf("evidence.pdf", b"%evidence\n"),
    )
    audit_services.action_verify(actor=world.users["customer_a"], action=audits.action_x)
    # The NGO's own assessment at supplier Y's facility, which it does not otherwise see.
    assessment = audit_services.audit_save(
        actor=facilitator,
        facility=world.facility_y,
        conducted_by=world.ngo_org,
        kind="ngo_assessment",
        standard=audits.standard,
        start_date=datetime.date(2008, 4, 1),
    )
    finding = audit_services.finding_save(
        actor=facilitator,
        audit=assessment,
        severity="minor",
        description="No worker committee",
        clauses=[audits.clause_ehs],
    )
    audit_services.action_create(
        actor=facilitator,
        finding=finding,
        action="Elect a committee",
        # An owner works for the audited supplier or the facilitator (audits.services).
        owner=world.users["facilitator"],
        due_date=datetime.date(2008, 6, 1),
    )
    # A results framework on the programme, and one on a programme only the facilitator sees.
    build_framework(facilitator, pilots.programme, indicators=3)
    hidden_programme = pilot_services.programme_save(
        actor=facilitator,
        title="Facilitator-only programme",
        facilitator=world.facilitator_org,
        sector="Garments",
        region="Asia",
    )
    build_framework(facilitator, hidden_programme, indicators=2)
    # PDF reports, each its requester's alone: about a pilot (by three of its participants),
    # the programme, and customer A's suppliers (asked by the facilitator, and by customer A).
    for role, kind, subject in (
        ("customer_a", "pilot_summary", pilot_x.pk),
        ("supplier", "pilot_summary", pilot_x.pk),
        ("ngo", "pilot_summary", pilot_x.pk),
        ("customer_b", "programme_summary", programme.pk),
        ("facilitator", "programme_summary", programme.pk),
        ("facilitator", "supplier_progress", world.customer_a.pk),
        ("customer_a", "supplier_progress", world.customer_a.pk),
    ):
        report_services.report_request(
            actor=world.users[role], kind=kind, subject_id=subject, language="en"
        )
    return world


def detail_url(prefix, pk):
    return f"/api/v1/{prefix}/{pk}/"


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_names_only_what_the_caller_may_see(story, api_client, role):
    user = story.users[role]
    api = api_client(role)
    root = api.get("/api/v1/")
    assert root.status_code == 200
    # Every endpoint the API root lists is probed here.
    assert set(root.json()) <= {prefix for prefix, _viewset in ENDPOINTS}
    leaks, cache = [], {}
    for prefix, viewset in ENDPOINTS:
        model = viewset.queryset.model
        listed = api.get(f"/api/v1/{prefix}/", {"page_size": 200})
        assert listed.status_code == 200, (prefix, listed.content)
        assert listed.json()["next"] is None, "the probe sees every row on one page"
        rows = listed.json()["results"]
        leaks += hidden_names(user, rows, model, f"/api/v1/{prefix}/", cache)
        expected = set(access.scope(user, viewset.queryset.all()).values_list("pk", flat=True))
        key = "id" if model._meta.pk.name == "id" else model._meta.pk.name
        assert {row[key] for row in rows} == expected, prefix
        # A detail answers as the list does; a few of them show it (the list showed them all).
        for pk in sorted(expected)[:DETAILS_PER_ENDPOINT]:
            response = api.get(detail_url(prefix, pk))
            assert response.status_code == 200, (prefix, pk, response.content)
            leaks += hidden_names(user, response.json(), model, detail_url(prefix, pk), cache)
    assert not leaks, "answers name what the caller may not see:\n" + "\n".join(leaks)


@pytest.mark.parametrize("role", ROLES)
def test_a_hidden_object_answers_as_one_that_does_not_exist(story, api_client, role):
    user = story.users[role]
    api = api_client(role)
    hidden_somewhere, different = False, []
    for prefix, viewset in ENDPOINTS:
        every = set(viewset.queryset.values_list("pk", flat=True))
        seen = set(access.scope(user, viewset.queryset.all()).values_list("pk", flat=True))
        numbered = all(isinstance(pk, int) for pk in every)
        missing = api.get(detail_url(prefix, max(every, default=0) + 999 if numbered else "QQQ"))
        assert missing.status_code == 404, prefix
        for pk in every - seen:
            hidden_somewhere = True
            response = api.get(detail_url(prefix, pk))
            if (response.status_code, response.json()) != (missing.status_code, missing.json()):
                different.append(
                    f"{detail_url(prefix, pk)}: {response.status_code} {response.json()}"
                )
    assert not different, "a hidden object answers unlike a missing one:\n" + "\n".join(different)
    assert hidden_somewhere or role == "facilitator"
