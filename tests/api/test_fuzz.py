"""Schema fuzzing: schemathesis generates requests for every operation of the live schema and
sends them, in-process, with a facilitator's, a customer's and an NGO's token.

Every answer must be below 500 and conform to the schema (status code, content type, body).
The suite's run is bounded (FUZZ_EXAMPLES cases per operation and role, derandomised so it is
repeatable); `make fuzz` runs many more, at random.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from csrplatform.accounts.services import api_token_create

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema():
    """The schema as /api/schema/ serves it, sent to the app in-process (WSGI)."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    # The coverage phase sends every boundary case of every field whatever max_examples says:
    # thorough, and minutes long, so `make fuzz` runs it and the suite does not.
    loaded.config.phases.update(phases=PHASES)
    return loaded


schema = load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django closes the database connection after each request; in a test that would end the
    test's transaction. Django's test client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world, pilots, audits):
    """A token per role, over a world with pilots and audits for the ids to find."""
    return {
        role: api_token_create(user=world.users[role], name="fuzz")[1]
        for role in ("facilitator", "customer_a", "ngo")
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_the_contract(case, tokens):
    # Each generated request goes out once per role: the same input, three scopes.
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
