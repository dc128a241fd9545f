"""A database that cannot be reached is a 503 with Retry-After, for pages and the API, from
wherever the first failing query comes: the session's user, DRF's authentication, a view.

The outage is staged with Django's `execute_wrapper`, which here answers a query as a server
that is shutting down does; tests/integration/test_faults.py stops a real PostgreSQL.
"""

import logging
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from csrplatform.accounts.services import api_token_create

MESSAGE = "its database cannot be reached"


@contextmanager
def database_down(only=None):
    """Every query (or those whose SQL contains `only`) fails as during a restart."""

    def refuse(execute, sql, params, many, context):
        if only is None or only in sql:
            raise OperationalError("the database system is shutting down")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def unavailable_records(caplog):
    return [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]


def assert_page_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert MESSAGE in page
    assert "Traceback" not in page


def test_a_signed_in_page_is_a_503_when_the_session_cannot_be_read(world, page_client, caplog):
    client = page_client("customer_a")
    with database_down():
        response = client.get("/directory/")
    assert_page_503(response)
    [record] = unavailable_records(caplog)  # logged once, not again as a 500
    assert "Service Unavailable (database" in record.getMessage()
    # The database is back: the same client is served again.
    assert client.get("/directory/").status_code == 200


@pytest.mark.parametrize("debug", [False, True])
def test_a_view_whose_query_fails_is_a_503_under_debug_too(
    world, page_client, settings, caplog, debug
):
    settings.DEBUG = debug
    settings.TECHNICAL_ERROR_PAGES = False
    client = page_client("customer_a")
    with database_down(only="suppliers_"):  # the session loads; the list's query fails
        response = client.get("/directory/")
    assert_page_503(response)
    assert len(unavailable_records(caplog)) == 1


def test_the_api_answers_json_503_when_the_token_cannot_be_checked(world, caplog):
    _row, key = api_token_create(user=world.users["customer_a"], name="outage")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with database_down():
        response = api.get("/api/v1/suppliers/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert MESSAGE in body["detail"]
    assert (body["code"], body["errors"]) == ("service_unavailable", {})
    assert len(unavailable_records(caplog)) == 1
    assert api.get("/api/v1/suppliers/").status_code == 200


def test_the_api_answers_json_503_when_a_views_query_fails(world, api_client):
    with database_down(only="suppliers_"):
        response = api_client("customer_a").get("/api/v1/suppliers/")
    assert response.status_code == 503
    assert MESSAGE in response.json()["detail"]


def test_other_errors_are_not_taken_for_an_outage(world, page_client):
    """A query that fails for another reason (a bug) stays a 500."""
    from django.db import ProgrammingError

    def broken(execute, sql, params, many, context):
        if "suppliers_" in sql:
            raise ProgrammingError("column does not exist")
        return execute(sql, params, many, context)

    client = page_client("customer_a")
    client.raise_request_exception = False
    with connection.execute_wrapper(broken):
        response = client.get("/directory/")
    assert response.status_code == 500


def test_a_statement_that_fails_on_its_own_is_not_an_outage():
    import psycopg
    from django.db import OperationalError

    from csrplatform.unavailable import database_unreachable

    def raised(cause):
        try:
            raise OperationalError(str(cause)) from cause
        except OperationalError as exc:
            return exc

    assert database_unreachable(raised(psycopg.OperationalError("connection refused")))
    assert not database_unreachable(raised(psycopg.errors.DeadlockDetected("deadlock")))
    assert not database_unreachable(raised(psycopg.errors.QueryCanceled("statement timeout")))
    assert database_unreachable(raised(psycopg.errors.AdminShutdown("terminating connection")))
    import sqlite3

    assert not database_unreachable(raised(sqlite3.OperationalError("database is locked")))
