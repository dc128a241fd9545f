"""A partner's view of the API: a client generated from the live schema by
openapi-python-client, used exactly as generated, runs a pilot and a corrective action.

Nothing here calls the API by hand: every request goes through the generated modules.
"""

import datetime
import importlib
import io
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from csrplatform.accounts.services import api_token_create
from tests.factories import FacilityFactory

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="session")
def generated(live_server, tmp_path_factory, django_db_blocker):
    """The `csr_client` package, generated from the schema the live server serves."""
    workdir = tmp_path_factory.mktemp("generated-client")
    schema = workdir / "schema.json"
    # The schema needs no rows, but on SQLite the server thread shares the test's connection,
    # which Django checks at each request: blocked when the first test to ask has no db.
    with (
        django_db_blocker.unblock(),
        urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json") as answer,  # noqa: S310
    ):
        schema.write_bytes(answer.read())
    config = workdir / "config.yaml"
    # No post hooks: the code is used as the generator wrote it.
    config.write_text("post_hooks: []\npackage_name_override: csr_client\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(workdir / "csr_client"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module("csr_client")
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == "csr_client"]:
            del sys.modules[name]


def call(generated, operation: str, **kwargs):
    """Call `api/<tag>/<operation>.py` of the generated client; the parsed answer, or fail
    with the status and body the server gave."""
    (path,) = (Path(generated.__file__).parent / "api").glob(f"*/{operation}.py")
    module = importlib.import_module(f"csr_client.api.{path.parent.name}.{operation}")
    response = module.sync_detailed(**kwargs)
    assert 200 <= response.status_code < 300, (operation, response.status_code, response.content)
    assert response.parsed is not None, (operation, response.content)
    return response.parsed


def client_for(generated, live_server, user):
    _token, raw_key = api_token_create(user=user, name="generated client")
    return generated.AuthenticatedClient(base_url=live_server.url, token=raw_key)


def test_every_operation_module_of_the_generated_client_imports(generated):
    package = Path(generated.__file__).parent / "api"
    modules = sorted(path for path in package.rglob("*.py") if path.name != "__init__.py")
    assert len(modules) > 80
    for path in modules:
        importlib.import_module(f"csr_client.api.{path.parent.name}.{path.stem}")


def test_a_pilot_runs_from_creation_to_completion_through_the_generated_client(
    transactional_db, live_server, generated, world
):
    models = importlib.import_module("csr_client.models")
    facilitator = client_for(generated, live_server, world.users["facilitator"])
    customer = client_for(generated, live_server, world.users["customer_a"])
    supplier = client_for(generated, live_server, world.users["supplier"])

    programme = call(
        generated,
        "programmes_create",
        client=facilitator,
        body=models.ProgrammeRequest(
            title="Shenzhen ICT programme", facilitator=world.facilitator_org.pk, sector="ICT"
        ),
    )
    pilot = call(
        generated,
        "pilots_create",
        client=facilitator,
        body=models.PilotRequest(
            programme=programme.id,
            supplier=world.supplier_x.pk,
            title="Overtime mentorship",
            pilot_type=models.PilotTypeEnum.MENTORSHIP,
            approach=models.ApproachEnum.MENTORSHIP,
            participants=[
                models.PilotInvitationRequest(
                    organisation=world.customer_a.pk,
                    role=models.ParticipantRoleEnum.INVITING_CUSTOMER,
                )
            ],
        ),
    )
    assert pilot.status == models.PilotStatusEnum.PROPOSED

    # The customer accepts its invitation.
    invitations = call(generated, "participants_list", client=customer, pilot=pilot.id)
    (invitation,) = [row for row in invitations.results if row.organisation == world.customer_a.pk]
    accepted = call(
        generated,
        "participants_respond_create",
        client=customer,
        id=invitation.id,
        body=models.ParticipantResponseRequest(accept=True),
    )
    assert accepted.invitation_status == models.InvitationStatusEnum.ACCEPTED

    for status in (models.PilotStatusEnum.SCOPING, models.PilotStatusEnum.AGREED):
        pilot = call(
            generated,
            "pilots_transition_create",
            client=facilitator,
            id=pilot.id,
            body=models.PilotTransitionRequest(status=status, reason="Kick-off held"),
        )
    assert pilot.status == models.PilotStatusEnum.AGREED

    phase = call(
        generated,
        "phases_create",
        client=facilitator,
        body=models.PhaseRequest(pilot=pilot.id, title="Benchmarking"),
    )
    asked = call(generated, "phases_request_agreement_create", client=facilitator, id=phase.id)
    assert {row.reviewer for row in asked} == {
        world.facilitator_org.pk,
        world.supplier_x.organisation_id,
        world.customer_a.pk,
    }
    for party in (supplier, customer, facilitator):
        agreement = call(
            generated,
            "phases_agree_create",
            client=party,
            id=phase.id,
            body=models.AgreeRequest(note="Agreed"),
        )
        assert agreement.status == models.ReviewStatusEnum.APPROVED
    agreements = call(generated, "agreements_list", client=customer, phase=phase.id)
    assert {row.status for row in agreements.results} == {models.ReviewStatusEnum.APPROVED}

    phase = call(
        generated,
        "phases_start_create",
        client=facilitator,
        id=phase.id,
        body=models.PhaseStartRequest(),
    )
    assert phase.status == models.PhaseStatusEnum.IN_PROGRESS
    phase = call(
        generated,
        "phases_complete_create",
        client=facilitator,
        id=phase.id,
        body=models.PhaseCompleteRequest(),
    )
    assert phase.status == models.PhaseStatusEnum.COMPLETED

    pilot = call(
        generated,
        "pilots_transition_create",
        client=facilitator,
        id=pilot.id,
        body=models.PilotTransitionRequest(
            status=models.PilotStatusEnum.COMPLETED, reason="Objectives met"
        ),
    )
    assert pilot.status == models.PilotStatusEnum.COMPLETED
    history = call(generated, "pilots_history_list", client=customer, id=pilot.id)
    assert {change.to_status.value for change in history} == {
        "proposed",
        "scoping",
        "agreed",
        "in_progress",
        "completed",
    }


def test_a_corrective_action_goes_from_evidence_to_verification_through_the_generated_client(
    transactional_db, live_server, generated, world, audits
):
    models = importlib.import_module("csr_client.models")
    types = importlib.import_module("csr_client.types")
    supplier = client_for(generated, live_server, world.users["supplier"])
    customer = client_for(generated, live_server, world.users["customer_a"])

    listed = call(generated, "corrective_actions_list", client=supplier)
    assert [row.id for row in listed.results] == [audits.action_x.pk]

    submitted = call(
        generated,
        "corrective_actions_submit_create",
        client=supplier,
        id=audits.action_x.pk,
        body=models.SubmitRequest(
            note="Approval delegated to the plant manager",
            evidence=types.File(
                payload=io.BytesIO(PDF_BYTES), file_name="payroll.pdf", mime_type="application/pdf"
            ),
        ),
    )
    assert submitted.status == models.ActionStatusEnum.SUBMITTED
    assert [document.original_name for document in submitted.evidence] == ["payroll.pdf"]

    verified = call(
        generated,
        "corrective_actions_verify_create",
        client=customer,
        id=audits.action_x.pk,
        body=models.VerifyRequest(note="Checked the payroll"),
    )
    assert verified.status == models.ActionStatusEnum.VERIFIED
    history = call(
        generated, "corrective_actions_history_list", client=customer, id=audits.action_x.pk
    )
    assert len(history) >= 2


def test_the_metrics_api_serves_a_partner_through_the_generated_client(
    transactional_db, live_server, generated, world, pilots
):
    """The figures a partner's system pulls: rates, costs, KPI figures entered, confirmed and
    paged by cursor, the computed pilot and programme figures, and the CSV export."""
    models = importlib.import_module("csr_client.models")
    facilitator = client_for(generated, live_server, world.users["facilitator"])
    supplier = client_for(generated, live_server, world.users["supplier"])
    ngo = client_for(generated, live_server, world.users["ngo"])

    # A transactional test may start without the currencies the migration adds.
    from metrics.currencies import ensure_currencies

    ensure_currencies(("CNY", "USD"))
    call(
        generated,
        "currencies_create",
        client=facilitator,
        body=models.CurrencyRequest(code="SGD", name="Singapore dollar"),
    )
    currencies = call(generated, "currencies_list", client=ngo, page_size=200)
    assert {"CNY", "USD", "SGD"} <= {row.code for row in currencies.results}
    rate = call(
        generated,
        "exchange_rates_create",
        client=facilitator,
        body=models.ExchangeRateRequest(
            organisation=world.facilitator_org.pk,
            currency="CNY",
            valid_from=datetime.date(2008, 1, 1),
            usd="0.142741",
        ),
    )
    assert call(generated, "exchange_rates_retrieve", client=ngo, id=rate.id).usd == "0.1427410000"
    cost = call(
        generated,
        "cost_items_create",
        client=facilitator,
        body=models.CostItemRequest(
            programme=pilots.programme.pk,
            pilot=pilots.pilot_x.pk,
            borne_by=world.supplier_x.organisation_id,
            nature=models.NatureEnum.HARD,
            category=models.CategoryEnum.CONSULTANTS,
            description="Trainers",
            amount="56800",
            currency="CNY",
            on_date=datetime.date(2008, 3, 1),
        ),
    )
    assert (cost.usd, cost.rate, cost.rate_pinned) == ("8108", "0.142741", False)
    assert [row.id for row in call(generated, "cost_items_list", client=ngo).results] == [cost.id]

    indicator = call(
        generated,
        "indicators_create",
        client=facilitator,
        body=models.IndicatorRequest(
            name="Injuries", unit="injuries a year", better=models.BetterEnum.LOWER
        ),
    )
    call(
        generated,
        "tracked_indicators_create",
        client=facilitator,
        body=models.PilotIndicatorRequest(
            pilot=pilots.pilot_x.pk,
            indicator=indicator.id,
            target_change_pct="-50",
            unit_cost="3000",
            unit_cost_currency="CNY",
        ),
    )
    for kind, value, year in (("baseline", "131", 2007), ("actual", "100", 2008)):
        entered = call(
            generated,
            "observations_create",
            client=supplier,
            body=models.ObservationRequest(
                indicator=indicator.id,
                supplier=world.supplier_x.pk,
                pilot=pilots.pilot_x.pk,
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 6, 30),
                value=value,
                kind=models.ObservationKindEnum(kind),
                source=models.SourceEnum.SELF_REPORTED,
            ),
        )
        assert entered.status == models.ObservationStatusEnum.SUBMITTED
        confirmed = call(
            generated,
            "observations_confirm_create",
            client=ngo,
            id=entered.id,
            body=models.ConfirmRequest(note="Checked"),
        )
        assert confirmed.status == models.ObservationStatusEnum.CONFIRMED
    first = call(generated, "observations_list", client=ngo, indicator=indicator.id, page_size=1)
    cursor = parse_qs(urlparse(first.next_).query)["cursor"][0]
    second = call(
        generated,
        "observations_list",
        client=ngo,
        indicator=indicator.id,
        page_size=1,
        cursor=cursor,
    )
    assert [first.results[0].kind, second.results[0].kind] == ["actual", "baseline"]
    assert second.next_ is None

    figures = call(generated, "pilot_figures_retrieve", client=ngo, id=pilots.pilot_x.pk)
    (kpi,) = figures.kpis
    assert (kpi.baseline.value, kpi.latest.value, kpi.target.value) == ("131", "100", "65.5")
    assert (kpi.projected_savings.amount, kpi.projected_savings.currency) == ("196500", "CNY")
    assert figures.cost_benefit.total_usd.computed == "8108"
    programme = call(
        generated, "programme_figures_retrieve", client=facilitator, id=pilots.programme.pk
    )
    assert programme.resource_analysis.total.computed == "8108"
    export = importlib.import_module("csr_client.api.observations.observations_export")
    answer = export.sync_detailed(client=ngo, indicator=indicator.id)
    assert answer.status_code == 200
    assert answer.content.decode("utf-8-sig").count("\n") == 3


def test_sites_the_iati_file_and_a_report_through_the_generated_client(
    transactional_db, live_server, generated, world, pilots, settings, tmp_path
):
    """A multi-factory pilot's sites, the programme's IATI file, and a PDF report asked for
    and fetched, as a partner's system would."""
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded mode: rendered when asked
    models = importlib.import_module("csr_client.models")
    facilitator = client_for(generated, live_server, world.users["facilitator"])
    customer = client_for(generated, live_server, world.users["customer_a"])
    second = FacilityFactory(supplier=world.supplier_y, name="Y second plant", workers=40)

    site = call(
        generated,
        "pilot_sites_create",
        client=facilitator,
        body=models.PilotSiteRequest(
            pilot=pilots.pilot_x.pk,
            supplier=world.supplier_y.pk,
            facility=second.pk,
            role=models.PilotSiteRoleEnum.COMPARISON,
        ),
    )
    assert site.role == models.PilotSiteRoleEnum.COMPARISON
    listed = call(generated, "pilot_sites_list", client=customer, pilot=pilots.pilot_x.pk)
    # Customer A may not see supplier Y's plant in the directory: the site does not name it.
    ((shown),) = listed.results
    assert (shown.id, shown.supplier_name, shown.facility) == (site.id, "Supplier Y", None)

    pilots.programme.start_date = datetime.date(2008, 1, 1)
    pilots.programme.save()
    iati = importlib.import_module("csr_client.api.programmes.programmes_iati_retrieve")
    answer = iati.sync_detailed(client=customer, id=pilots.programme.pk)
    assert answer.status_code == 200
    assert b"<iati-activities" in answer.content

    report = call(
        generated,
        "reports_create",
        client=customer,
        body=models.NewReportRequest(
            kind=models.ReportKindEnum.PILOT_SUMMARY, subject=pilots.pilot_x.pk
        ),
    )
    # Rendered eagerly in the embedded mode: ready once asked.
    report = call(generated, "reports_retrieve", client=customer, id=report.id)
    assert report.status == models.ReportStatusEnum.READY
    pdf = importlib.import_module("csr_client.api.reports.reports_file_retrieve")
    answer = pdf.sync_detailed(client=customer, id=report.id)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
