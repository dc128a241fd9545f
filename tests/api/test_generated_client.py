"""A partner's view of the API: a client generated from the live schema by
openapi-python-client, used exactly as generated, runs a pilot and a corrective action.

Nothing here calls the API by hand: every request goes through the generated modules.
"""

import importlib
import io
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from csrplatform.accounts.services import api_token_create

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="session")
def generated(live_server, tmp_path_factory):
    """The `csr_client` package, generated from the schema the live server serves."""
    workdir = tmp_path_factory.mktemp("generated-client")
    schema = workdir / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json") as answer:  # noqa: S310
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
