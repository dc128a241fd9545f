"""The audit list, the audit page and the boards cost the same for few and many rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits import services


def grow(world, audits, count):
    """`count` more audits at supplier X, each with two findings and two actions."""
    facilitator = world.users["facilitator"]
    for number in range(count):
        audit = services.audit_save(
            actor=facilitator,
            facility=world.facility_x,
            commissioned_by=world.customer_a,
            kind="follow_up",
            standard=audits.standard,
            start_date=datetime.date(2008, 1, 1) + datetime.timedelta(days=number),
        )
        for severity in ("major", "minor"):
            finding = services.finding_save(
                actor=facilitator,
                audit=audits.audit_x if number % 2 else audit,
                severity=severity,
                description=f"Finding {number} {severity}",
                clauses=[audits.clause_hours, audits.other_clause, audits.clause_ehs],
            )
            services.action_create(
                actor=facilitator,
                finding=finding,
                action=f"Fix {number}",
                owner=world.users["supplier"],
                due_date=datetime.date(2008, 6, 1),
            )


def queries(client, url):
    client.get(url)  # warm-up of per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["facilitator", "customer_a", "supplier"])
@pytest.mark.parametrize("page", ["list", "detail", "board", "supplier_board"])
def test_queries_do_not_grow(world, audits, page_client, role, page):
    url = {
        "list": reverse("audits:audit_list"),
        "detail": audits.audit_x.get_absolute_url(),
        "board": reverse("audits:action_board"),
        "supplier_board": reverse("audits:action_board") + f"?supplier={world.supplier_x.pk}",
    }[page]
    client = page_client(role)
    grow(world, audits, 2)
    few = queries(client, url)
    grow(world, audits, 8)
    # List: count, rows, filter choices. Detail: audit, findings, clauses, actions, pilots,
    # shares. Board: the actions with their audits in one query. Same for 2 and 10 audits.
    assert queries(client, url) == few


def test_import_page_queries_do_not_grow(world, audits, page_client):
    client = page_client("facilitator")
    url = reverse("audits:findings_import") + f"?audit={audits.audit_x.pk}"
    grow(world, audits, 2)
    few = queries(client, url)
    grow(world, audits, 4)
    # Session, user, memberships, the chosen audit (its name in the search box) and the
    # menu's counts: the page never lists the audits it could import into.
    assert queries(client, url) == few
